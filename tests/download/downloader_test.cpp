// ModelDownloader against FakeHub, a local HTTP server in this process on 127.0.0.1: full
// download, resume after an interrupted transfer (by hand and automatically), Range ignored,
// a complete or corrupt part left behind, wrong checksum, 404, stall time-out, cancel, redirect,
// no server at all, and the downloaded directory loading with tscope::loadModel.
// Nothing here waits on the clock: the stall test relies on the downloader's own time-out, and
// the event loop's safety net only catches a hang.
#include <QCryptographicHash>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "core/download/blocking_download.h"
#include "core/download/downloader.h"
#include "core/download/model_store.h"
#include "core/error.h"
#include "core/model.h"
#include "fake_hub.h"

using namespace tscope::download;

namespace {

// sha256sum of tests/fixtures/tiny-gpt2/model.safetensors (coreutils, not this code)
const QString kFixtureSha256 = "0b5567d55fa6974917dfe6f6353ecafd54eb986e3b5dfcb1c87e15e125155b5c";
const QString kRepo = "test-org/tiny-gpt2";
const ModelSpec kSpec{"tiny-gpt2", kRepo, "tiny", 0};
constexpr int kSafetyNetMs = 120'000;  // only catches a hang; no assertion depends on time

QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& data) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

struct Progress {
    QString file;
    qint64 fileReceived, fileTotal, overallReceived, overallTotal;
    double rate, secondsLeft;
};

struct Outcome {
    enum Kind { Finished, Failed, Cancelled, Hung } kind = Hung;
    QString text;  // model directory or failure message
    QList<Progress> progress;
};

// Runs one download to its end. onProgress may call downloader.cancel().
Outcome runDownload(ModelDownloader& downloader, const ModelSpec& spec = kSpec,
                    const std::function<void(const Progress&)>& onProgress = {}) {
    Outcome outcome;
    QEventLoop loop;
    QList<QMetaObject::Connection> connections;
    connections << QObject::connect(
        &downloader, &ModelDownloader::progress,
        [&](const QString& file, qint64 fr, qint64 ft, qint64 orx, qint64 ot, double r, double s) {
            outcome.progress.append({file, fr, ft, orx, ot, r, s});
            if (onProgress) onProgress(outcome.progress.last());
        });
    connections << QObject::connect(&downloader, &ModelDownloader::finished, &loop,
                                    [&](const QString& dir) {
                                        outcome.kind = Outcome::Finished;
                                        outcome.text = dir;
                                        loop.quit();
                                    });
    connections << QObject::connect(&downloader, &ModelDownloader::failed, &loop,
                                    [&](const QString& message) {
                                        outcome.kind = Outcome::Failed;
                                        outcome.text = message;
                                        loop.quit();
                                    });
    connections << QObject::connect(&downloader, &ModelDownloader::cancelled, &loop, [&] {
        outcome.kind = Outcome::Cancelled;
        loop.quit();
    });
    QTimer::singleShot(kSafetyNetMs, &loop, &QEventLoop::quit);
    if (downloader.start(spec)) loop.exec();
    for (const auto& c : connections) QObject::disconnect(c);
    return outcome;
}

const char* kindName(Outcome::Kind kind) {
    static const char* names[] = {"finished", "failed", "cancelled", "hung"};
    return names[kind];
}

}  // namespace

#define EXPECT_OUTCOME(outcome, expectedKind)         \
    QVERIFY2(                                         \
        (outcome).kind == (expectedKind),             \
        qPrintable(QString("expected %1, got %2: %3") \
                       .arg(kindName(expectedKind), kindName((outcome).kind), (outcome).text)))

class DownloaderTest : public QObject {
    Q_OBJECT

  private:
    std::unique_ptr<QTemporaryDir> store_;
    std::unique_ptr<FakeHub> hub_;

    DownloadOptions options(int retries = 0) const {
        DownloadOptions o;
        o.hubUrl = hub_->baseUrl();
        o.modelsDir = store_->path();
        o.stallTimeoutMs = 60'000;
        o.retries = retries;
        o.retryDelayMs = 0;
        return o;
    }
    QString finalDir() const { return store_->filePath("tiny-gpt2"); }
    QString partialDir() const { return store_->filePath("tiny-gpt2.partial"); }
    QString weightsPart() const { return partialDir() + "/model.safetensors.part"; }
    QByteArray weights() const { return hub_->content("model.safetensors"); }

    void verifyInstalled() {
        QVERIFY(QFileInfo(finalDir()).isDir());
        QVERIFY(!QFileInfo::exists(partialDir()));
        for (const QString& file : modelFileNames()) {
            const QByteArray got = readFile(finalDir() + "/" + file);
            QVERIFY2(!got.isEmpty() && got == hub_->content(file), qPrintable(file));
        }
    }

  private slots:
    void init() {
        store_ = std::make_unique<QTemporaryDir>();
        QVERIFY(store_->isValid());
        hub_ = std::make_unique<FakeHub>(kRepo, fixtureModelFiles());
        for (const QString& file : modelFileNames())
            QVERIFY2(hub_->hasFile(file), qPrintable(file));
        QVERIFY(hub_->listen());
    }

    void fullDownloadIsByteIdentical() {
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        QCOMPARE(outcome.text, finalDir());
        verifyInstalled();
        QCOMPARE(hub_->requests.size(), 4);
        for (const auto& request : hub_->requests) QVERIFY(request.range.isEmpty());
        // the served sha256 of the fixture is the independently computed one
        QCOMPARE(QCryptographicHash::hash(readFile(finalDir() + "/model.safetensors"),
                                          QCryptographicHash::Sha256)
                     .toHex(),
                 kFixtureSha256.toLatin1());
        QCOMPARE(listInstalledModels(store_->path()).size(), 1);
        QVERIFY(!downloader.isRunning());
    }

    void progressAddsUpToTheFileSizes() {
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        QVERIFY(!outcome.progress.isEmpty());
        qint64 sum = 0;
        for (const QString& file : modelFileNames()) sum += hub_->content(file).size();
        qint64 previous = 0;
        for (const Progress& p : outcome.progress) {
            QVERIFY(p.overallReceived >= previous);  // never goes backwards
            previous = p.overallReceived;
            QVERIFY(p.fileTotal < 0 || p.fileReceived <= p.fileTotal);
            QVERIFY(p.rate >= 0);
        }
        const Progress& last = outcome.progress.last();
        QCOMPARE(last.file, QString("model.safetensors"));
        QCOMPARE(last.fileReceived, weights().size());
        QCOMPARE(last.fileTotal, weights().size());
        QCOMPARE(last.overallReceived, sum);
        QCOMPARE(last.overallTotal, sum);
    }

    void overallTotalUsesTheCatalogEstimateUntilSizesAreKnown() {
        ModelSpec spec = kSpec;
        spec.approxBytes = 20'000'000;
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader, spec);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        QCOMPARE(outcome.progress.first().overallTotal, 20'000'000);  // nothing known yet
        qint64 sum = 0;
        for (const QString& file : modelFileNames()) sum += hub_->content(file).size();
        QCOMPARE(outcome.progress.last().overallTotal, sum);  // exact once all were answered
    }

    void incompleteDirectoryAtTheTargetIsNotTouched() {
        QVERIFY(QDir().mkpath(finalDir()));
        QVERIFY(writeFile(finalDir() + "/config.json", "{}"));
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Failed);
        QVERIFY2(outcome.text.contains("not a complete model"), qPrintable(outcome.text));
        QVERIFY(hub_->requests.isEmpty());
        QCOMPARE(readFile(finalDir() + "/config.json"), QByteArray("{}"));
    }

    void downloadedModelLoads() {
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        std::shared_ptr<const tscope::Model> model;
        try {
            model = tscope::loadModel(finalDir().toStdString());
        } catch (const tscope::Error& e) {
            QFAIL(e.what());
        }
        QCOMPARE(model->config.n_layer, 2);
        QCOMPARE(model->config.n_embd, 64);
        QVERIFY(model->tokenizer != nullptr);
        QCOMPARE(model->tokenizer->encodeIds("Hello world"), (std::vector<int>{15496, 995}));
    }

    void interruptedTransferResumesOnTheNextStart() {
        FakeHub::Fault cut;
        cut.cutAfterBytes = 5'000'000;
        hub_->setFault("model.safetensors", cut);
        ModelDownloader downloader(options(/*retries=*/0));
        const Outcome first = runDownload(downloader);
        EXPECT_OUTCOME(first, Outcome::Failed);
        QVERIFY2(first.text.contains("model.safetensors"), qPrintable(first.text));
        QVERIFY(!QFileInfo::exists(finalDir()));
        const qint64 kept = QFileInfo(weightsPart()).size();
        QCOMPARE(kept, 5'000'000);  // everything the server sent before the cut was kept

        const Outcome second = runDownload(downloader);
        EXPECT_OUTCOME(second, Outcome::Finished);
        verifyInstalled();
        const auto requests = hub_->requestsFor("model.safetensors");
        QCOMPARE(requests.size(), 2);
        QVERIFY(requests[0].range.isEmpty());
        QCOMPARE(requests[1].range, QByteArray("bytes=5000000-"));
        // the small files finished in the first run are not fetched again
        QCOMPARE(hub_->requestsFor("vocab.json").size(), 1);
    }

    void interruptedTransferResumesAutomatically() {
        FakeHub::Fault cut;
        cut.cutAfterBytes = 3'000'000;
        cut.cutTimes = 2;
        hub_->setFault("model.safetensors", cut);
        ModelDownloader downloader(options(/*retries=*/1));  // one in a row: bytes refill it
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        verifyInstalled();
        const auto requests = hub_->requestsFor("model.safetensors");
        QCOMPARE(requests.size(), 3);
        QCOMPARE(requests[1].range, QByteArray("bytes=3000000-"));
        QCOMPARE(requests[2].range, QByteArray("bytes=6000000-"));
    }

    void resumeThroughARedirect() {
        FakeHub::Fault fault;
        fault.redirect = true;
        fault.cutAfterBytes = 4'000'000;
        hub_->setFault("model.safetensors", fault);
        ModelDownloader downloader(options(/*retries=*/1));
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        verifyInstalled();
        // resolve → 302 → /cdn/ twice; the Range header survives the redirect
        const auto requests = hub_->requestsFor("model.safetensors");
        QCOMPARE(requests.size(), 4);
        QVERIFY(requests[1].path.startsWith("/cdn/"));
        QCOMPARE(requests[2].range, QByteArray("bytes=4000000-"));
        QVERIFY(requests[3].path.startsWith("/cdn/"));
        QCOMPARE(requests[3].range, QByteArray("bytes=4000000-"));
    }

    void serverIgnoringRangeRestartsFromZero() {
        QVERIFY(QDir().mkpath(partialDir()));
        QVERIFY(writeFile(weightsPart(), QByteArray(1000, 'x')));  // not a prefix of the file
        FakeHub::Fault fault;
        fault.ignoreRange = true;
        hub_->setFault("model.safetensors", fault);
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        verifyInstalled();
        QCOMPARE(hub_->requestsFor("model.safetensors").value(0).range, QByteArray("bytes=1000-"));
    }

    void completePartIsVerifiedNotFetchedAgain() {
        QVERIFY(QDir().mkpath(partialDir()));
        QVERIFY(writeFile(weightsPart(), weights()));
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        verifyInstalled();
        const auto requests = hub_->requestsFor("model.safetensors");
        QCOMPARE(requests.size(), 1);  // answered 416: nothing left to send
        QCOMPARE(requests[0].range, "bytes=" + QByteArray::number(weights().size()) + "-");
    }

    void corruptPartIsDetectedByTheChecksum() {
        QVERIFY(QDir().mkpath(partialDir()));
        QByteArray corrupt = weights();
        corrupt[12345] = char(corrupt[12345] ^ 0x40);
        QVERIFY(writeFile(weightsPart(), corrupt));
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Failed);
        QVERIFY2(outcome.text.contains("checksum mismatch for model.safetensors"),
                 qPrintable(outcome.text));
        QVERIFY2(outcome.text.contains(kFixtureSha256), qPrintable(outcome.text));
        QVERIFY(!QFileInfo::exists(weightsPart()));
        QVERIFY(!QFileInfo::exists(finalDir()));
    }

    void wrongChecksumIsRejected() {
        FakeHub::Fault fault;
        fault.wrongSha256 = true;
        hub_->setFault("model.safetensors", fault);
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Failed);
        const QByteArray published =
            QCryptographicHash::hash(weights() + "tampered", QCryptographicHash::Sha256).toHex();
        QVERIFY2(outcome.text.contains("checksum mismatch for model.safetensors"),
                 qPrintable(outcome.text));
        QVERIFY2(outcome.text.contains("expected sha256 " + QString::fromLatin1(published)),
                 qPrintable(outcome.text));
        QVERIFY2(outcome.text.contains("got " + kFixtureSha256), qPrintable(outcome.text));
        QVERIFY(!QFileInfo::exists(finalDir()));
        QVERIFY(!QFileInfo::exists(weightsPart()));  // a corrupt part is never resumed
        QVERIFY(listInstalledModels(store_->path()).isEmpty());
    }

    void checksumPublishedOnlyOnTheRedirectIsUsed() {
        FakeHub::Fault fault;
        fault.redirect = true;
        fault.wrongSha256 = true;  // the CDN answer carries no checksum at all
        hub_->setFault("model.safetensors", fault);
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Failed);
        QVERIFY2(outcome.text.contains("checksum mismatch for model.safetensors"),
                 qPrintable(outcome.text));
        QVERIFY(!QFileInfo::exists(finalDir()));
    }

    void redirectedDownloadSucceeds() {
        FakeHub::Fault fault;
        fault.redirect = true;
        hub_->setFault("model.safetensors", fault);
        ModelDownloader downloader(options());
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Finished);
        verifyInstalled();
        QCOMPARE(hub_->requestsFor("model.safetensors").size(), 2);
    }

    void notFoundNamesTheFileAndStatus() {
        FakeHub::Fault fault;
        fault.status = 404;
        hub_->setFault("merges.txt", fault);
        ModelDownloader downloader(options(/*retries=*/3));
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Failed);
        QVERIFY2(outcome.text.contains("HTTP 404"), qPrintable(outcome.text));
        QVERIFY2(outcome.text.contains("merges.txt"), qPrintable(outcome.text));
        QVERIFY2(outcome.text.contains(hub_->baseUrl() + "/" + kRepo + "/resolve/main/merges.txt"),
                 qPrintable(outcome.text));
        QCOMPARE(hub_->requestsFor("merges.txt").size(), 1);  // a 404 is not retried
        QCOMPARE(hub_->requestsFor("model.safetensors").size(), 0);
        QVERIFY(!QFileInfo::exists(finalDir()));
    }

    void stallTimesOutWithACleanError() {
        // the first file stalls, so the short time-out can only ever meet this stall
        FakeHub::Fault fault;
        fault.stallAfterBytes = 0;  // headers, then silence
        hub_->setFault("config.json", fault);
        DownloadOptions o = options(/*retries=*/1);
        o.stallTimeoutMs = 300;  // the code under test's own parameter
        ModelDownloader downloader(o);
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Failed);
        QVERIFY2(outcome.text.startsWith("timed out"), qPrintable(outcome.text));
        QVERIFY2(outcome.text.contains("config.json"), qPrintable(outcome.text));
        const auto requests = hub_->requestsFor("config.json");
        QCOMPARE(requests.size(), 2);              // one automatic retry
        QVERIFY(QFileInfo::exists(partialDir()));  // kept for a later resume
        QVERIFY(!QFileInfo::exists(finalDir()));
        QVERIFY(!downloader.isRunning());
    }

    void cancelKeepsThePartsForALaterResume() {
        FakeHub::Fault fault;
        fault.stallAfterBytes = 2'000'000;  // holds the transfer open until we cancel
        hub_->setFault("model.safetensors", fault);
        ModelDownloader downloader(options());
        qint64 receivedAtCancel = -1;
        const Outcome cancelled = runDownload(downloader, kSpec, [&](const Progress& p) {
            if (p.file == "model.safetensors" && p.fileReceived > 0 && receivedAtCancel < 0) {
                receivedAtCancel = p.fileReceived;
                downloader.cancel();
            }
        });
        EXPECT_OUTCOME(cancelled, Outcome::Cancelled);
        QVERIFY(!downloader.isRunning());
        QVERIFY(!QFileInfo::exists(finalDir()));
        QVERIFY(receivedAtCancel > 0 && receivedAtCancel <= 2'000'000);
        QCOMPARE(QFileInfo(weightsPart()).size(), receivedAtCancel);
        QVERIFY(QFileInfo::exists(partialDir() + "/config.json"));

        hub_->clearFaults();
        const Outcome resumed = runDownload(downloader);
        EXPECT_OUTCOME(resumed, Outcome::Finished);
        verifyInstalled();
        QCOMPARE(hub_->requestsFor("model.safetensors").last().range,
                 "bytes=" + QByteArray::number(receivedAtCancel) + "-");
    }

    void noServerIsReportedAsUnreachable() {
        const QString url = hub_->baseUrl();
        hub_->close();  // nothing listens on this port any more
        DownloadOptions o = options(/*retries=*/3);
        o.hubUrl = url;
        ModelDownloader downloader(o);
        const Outcome outcome = runDownload(downloader);
        EXPECT_OUTCOME(outcome, Outcome::Failed);
        QVERIFY2(outcome.text.startsWith("cannot reach 127.0.0.1 (no network?)"),
                 qPrintable(outcome.text));
        QVERIFY(!QFileInfo::exists(finalDir()));
    }

    void installedModelFinishesWithoutRequests() {
        ModelDownloader downloader(options());
        EXPECT_OUTCOME(runDownload(downloader), Outcome::Finished);
        hub_->requests.clear();
        const Outcome again = runDownload(downloader);
        EXPECT_OUTCOME(again, Outcome::Finished);
        QCOMPARE(again.text, finalDir());
        QVERIFY(hub_->requests.isEmpty());
    }

    void startWhileRunningIsRefused() {
        ModelDownloader downloader(options());
        QSignalSpy finished(&downloader, &ModelDownloader::finished);
        QVERIFY(downloader.start(kSpec));
        QVERIFY(downloader.isRunning());
        QVERIFY(!downloader.start(kSpec));
        QVERIFY(finished.wait(kSafetyNetMs));
        verifyInstalled();
    }

    void blockingHelperDownloadsAndReportsProgress() {
        QList<DownloadProgress> seen;
        const DownloadResult result =
            downloadModelBlocking(kSpec, options(), [&](const DownloadProgress& p) { seen << p; });
        QVERIFY2(result.ok, qPrintable(result.message));
        QCOMPARE(result.modelDir, finalDir());
        verifyInstalled();
        QVERIFY(!seen.isEmpty());
        QCOMPARE(seen.last().overallReceived, seen.last().overallTotal);
        QVERIFY(describeProgress(seen.last()).startsWith("model.safetensors"));
    }

    void blockingHelperReportsFailures() {
        const DownloadResult unknown = downloadModelBlocking(QString("gpt5"), options());
        QVERIFY(!unknown.ok);
        QVERIFY2(unknown.message.contains("gpt2-medium"), qPrintable(unknown.message));

        FakeHub::Fault fault;
        fault.status = 404;
        hub_->setFault("config.json", fault);
        const DownloadResult missing = downloadModelBlocking(kSpec, options());
        QVERIFY(!missing.ok);
        QVERIFY2(missing.message.contains("HTTP 404"), qPrintable(missing.message));
    }
};

QTEST_GUILESS_MAIN(DownloaderTest)
#include "downloader_test.moc"
