// Downloads one GPT-2 model from the Hugging Face hub with a progress bar (bytes, rate, time
// left) and Cancel. Everything happens on the GUI event loop (QNetworkAccessManager is
// asynchronous), so the window stays responsive. A cancelled or failed download keeps its
// partial files; "Resume" (or the next download of the same model) continues with HTTP Range.
// The downloader never leaves a half-written model at the final path (see downloader.h).
#pragma once

#include <QDialog>

#include "core/download/blocking_download.h"
#include "core/download/downloader.h"

class QLabel;
class QProgressBar;
class QPushButton;

namespace tscope::ui {

class DownloadDialog : public QDialog {
    Q_OBJECT
  public:
    DownloadDialog(const download::ModelSpec& spec, const download::DownloadOptions& options,
                   QWidget* parent = nullptr);

    // Starts (or resumes) the transfer; the outcome arrives as modelReady or on the dialog.
    void start();
    void cancel();

    // For tests and the window: what the dialog shows.
    QString statusText() const;
    int percent() const;
    const download::DownloadProgress& lastProgress() const { return progress_; }
    bool isRunning() const { return downloader_->isRunning(); }
    QPushButton* resumeButton() const { return resume_; }

  signals:
    void modelReady(const QString& modelDir);  // verified and in place; the dialog then closes

  protected:
    void reject() override;  // Esc / close: cancel a running transfer first

  private:
    void onProgress(const QString& file, qint64 fileReceived, qint64 fileTotal,
                    qint64 overallReceived, qint64 overallTotal, double bytesPerSecond,
                    double secondsLeft);
    void onFinished(const QString& modelDir);
    void onStopped(const QString& message, bool isError);
    void setRunning(bool running);

    download::ModelSpec spec_;
    download::DownloadProgress progress_;
    download::ModelDownloader* downloader_;
    QLabel* title_;
    QLabel* status_;
    QProgressBar* bar_;
    QPushButton* cancel_;
    QPushButton* resume_;
    QPushButton* close_;
};

}  // namespace tscope::ui
