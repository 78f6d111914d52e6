// Downloads the four files of a GPT-2 model from the Hugging Face hub (or a mirror) into the
// model store. Never leaves a half-written model at the final path: everything goes to
// <name>.partial/, each file first as "<file>.part", and the directory is renamed to <name> only
// after every file has passed its size and sha256 checks. A cancelled or failed download keeps
// its .part files, and the next start() resumes them with an HTTP Range request (a server
// answering 200 instead of 206 restarts the file from zero). Checks: the size from
// Content-Length / Content-Range and the hub's X-Linked-Size, and the sha256 the hub publishes
// in X-Linked-Etag (or ETag) on its resolve answer, which for the weights is a redirect to a CDN;
// redirects are therefore followed by hand, with Qt's rule of never going from https to http.
//
// Event-driven (QNetworkAccessManager): works in whatever thread owns the object, from the GUI
// event loop or, through downloadModelBlocking() (blocking_download.h), from a headless CLI.
// It does not load or check the model's contents; tscope::loadModel does that.
#pragma once

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <functional>

#include "core/download/catalog.h"
#include "core/download/transfer_rate.h"

class QNetworkAccessManager;
class QTimer;

namespace tscope::download {

struct DownloadOptions {
    QString hubUrl = defaultHubUrl();
    QString modelsDir;            // empty: defaultModelsDir()
    int stallTimeoutMs = 30'000;  // abort when no byte arrives for this long
    // Automatic resumes after a dropped connection, a stall or a 5xx answer, counted in a row:
    // any new byte refills the allowance, so a long download survives many short outages.
    int retries = 3;
    int retryDelayMs = 2'000;            // pause before such a resume
    bool requireWeightsChecksum = true;  // fail if the server publishes no sha256 for the weights
};

class ModelDownloader : public QObject {
    Q_OBJECT
  public:
    explicit ModelDownloader(DownloadOptions options = {}, QObject* parent = nullptr);
    ~ModelDownloader() override;

    // Takes effect at the next start().
    void setOptions(const DownloadOptions& options) { options_ = options; }
    const DownloadOptions& options() const { return options_; }

    // Where spec ends up: <modelsDir>/<spec.name>.
    QString destinationDir(const ModelSpec& spec) const;

    // Starts downloading spec (catalog entry or any repo with the four files). Returns false,
    // doing nothing, while a download is running. Every outcome arrives as a signal, never
    // from inside start(); an already installed model reports finished() at once.
    bool start(const ModelSpec& spec);
    // Aborts the transfer and keeps the .part files for a later resume; emits cancelled().
    void cancel();
    bool isRunning() const { return running_; }

  signals:
    // bytesTotal / overallTotal are -1 while unknown; before the weights' size is known the
    // overall total uses the catalog's estimate. secondsLeft is -1 while unknown.
    void progress(const QString& fileName, qint64 bytesReceived, qint64 bytesTotal,
                  qint64 overallReceived, qint64 overallTotal, double bytesPerSecond,
                  double secondsLeft);
    void finished(const QString& modelDir);  // all files verified and in place
    void failed(const QString& message);     // a sentence to show as it is
    void cancelled();

  private:
    struct FileState {
        QString name;
        qint64 total = -1;  // exact size once a response (or a finished file) told us
        qint64 received = 0;
        bool done = false;
    };

    void beginFile();
    void hashExistingChunk();
    void sendRequest();
    void get(const QUrl& url);
    void followRedirect(QNetworkReply* reply);
    void onMetaData();
    void onReadyRead();
    void onReplyFinished();
    void onStalled();
    void finishFile();
    void completeModel();
    bool retryAfter(const QString& reason);
    void fail(const QString& message);
    void stopTransfer();
    void later(std::function<void()> step);  // runs step from the event loop, if still current
    void noteChecksumHeaders(bool resolveResponse);
    void emitProgress(bool force);

    FileState& current() { return files_[currentFile_]; }
    QString partPath() const;
    QString finalFilePath(const QString& name) const;
    void restartFileFromZero();
    bool checkDiskSpace();

    DownloadOptions options_;
    ModelSpec spec_;
    QString finalDir_, partialDir_;
    QList<FileState> files_;
    int currentFile_ = 0;
    bool running_ = false;
    quint64 generation_ = 0;  // bumped on stop: queued steps of an old run do nothing

    QNetworkAccessManager* network_;
    QPointer<QNetworkReply> reply_;
    QTimer* stallTimer_;
    QTimer* retryTimer_;
    QTimer* progressTimer_;  // delivers the last throttled progress, so none goes stale
    bool stalled_ = false;
    int retriesLeft_ = 0;

    // what the current response says about the file
    bool metaHandled_ = false;
    bool writeBody_ = false;
    int status_ = 0;
    QByteArray expectedSha256_;  // hex, empty when the server published none
    qint64 linkedSize_ = -1;     // X-Linked-Size, -1 when absent
    QUrl firstUrl_;              // the hub's resolve URL; redirects may lead elsewhere
    int hops_ = 0;               // redirects followed for the current file

    QFile part_;
    QFile existingPart_;  // read back to hash what an earlier run left
    QCryptographicHash sha256_{QCryptographicHash::Sha256};
    int hashedFile_ = -1;  // file whose bytes so far sha256_ has seen (to resume without rehash)

    QElapsedTimer clock_;
    TransferRate rate_;
    qint64 sessionBytes_ = 0;  // bytes received in this run, for the rate
    qint64 lastProgressMs_ = -1;
};

}  // namespace tscope::download
