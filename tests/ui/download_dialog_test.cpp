// The download dialog and the Model menu against FakeHub, a local HTTP server on 127.0.0.1 in
// this process (the downloader itself is tested in tests/download): a full download that opens
// the model, cancel and resume with a Range request, a 404 shown as a message, and the menu's
// labels. Waits only on signals and state; the time-outs are safety nets against a hang.
#include <QAction>
#include <QDir>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "../download/fake_hub.h"
#include "core/download/model_store.h"
#include "ui/download_dialog.h"
#include "ui/model_menu.h"
#include "ui/session.h"
#include "ui_test_util.h"

using namespace tscope;
using namespace tscope::ui;

namespace {

const QString kRepo = "test-org/tiny-gpt2";
const download::ModelSpec kSpec{"tiny-gpt2", kRepo, "tiny", 0};
constexpr int kSafetyNetMs = 120'000;

}  // namespace

class DownloadDialogTest : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> store_;
    std::unique_ptr<FakeHub> hub_;

    download::DownloadOptions options() const {
        download::DownloadOptions o;
        o.hubUrl = hub_->baseUrl();
        o.modelsDir = store_->path();
        o.retries = 0;
        o.stallTimeoutMs = 60'000;  // longer than any test: a stall ends only by Cancel
        return o;
    }

  private slots:
    void init() {
        store_ = std::make_unique<QTemporaryDir>();
        hub_ = std::make_unique<FakeHub>(kRepo, fixtureModelFiles());
        QVERIFY(hub_->listen());
    }

    void downloadsShowsProgressAndReportsTheModel() {
        DownloadDialog dialog(kSpec, options());
        QSignalSpy ready(&dialog, &DownloadDialog::modelReady);
        dialog.start();
        QVERIFY(dialog.isRunning());
        QVERIFY(ready.wait(kSafetyNetMs));
        const QString dir = ready.first().first().toString();
        QCOMPARE(dir, download::modelDir(store_->path(), "tiny-gpt2"));
        QVERIFY(download::isModelDir(dir));
        QCOMPARE(dialog.percent(), 100);
        QVERIFY2(dialog.statusText().contains("verified"), qPrintable(dialog.statusText()));
    }

    void cancelKeepsThePartAndResumeFinishes() {
        FakeHub::Fault stall;
        stall.stallAfterBytes = 4096;
        hub_->setFault("model.safetensors", stall);
        DownloadDialog dialog(kSpec, options());
        QSignalSpy ready(&dialog, &DownloadDialog::modelReady);
        dialog.start();
        // the weights have started (the small files came first) and then the server stalls
        QTRY_VERIFY_WITH_TIMEOUT(dialog.lastProgress().file == "model.safetensors" &&
                                     dialog.lastProgress().fileReceived == stall.stallAfterBytes,
                                 kSafetyNetMs);
        QVERIFY2(dialog.statusText().startsWith("model.safetensors"),
                 qPrintable(dialog.statusText()));
        QVERIFY(!dialog.resumeButton()->isEnabled());
        dialog.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isRunning(), kSafetyNetMs);
        QVERIFY2(dialog.statusText().startsWith("Cancelled"), qPrintable(dialog.statusText()));
        QVERIFY(dialog.resumeButton()->isEnabled());
        QVERIFY(!download::isModelDir(download::modelDir(store_->path(), "tiny-gpt2")));

        hub_->clearFaults();
        dialog.resumeButton()->click();
        QVERIFY(ready.wait(kSafetyNetMs));
        QVERIFY(download::isModelDir(ready.first().first().toString()));
        const auto weights = hub_->requestsFor("model.safetensors");
        QVERIFY(!weights.isEmpty());
        QVERIFY2(weights.last().range.startsWith("bytes="), weights.last().range.constData());
    }

    void aMissingFileIsAMessageNotACrash() {
        FakeHub::Fault missing;
        missing.status = 404;
        hub_->setFault("config.json", missing);
        DownloadDialog dialog(kSpec, options());
        dialog.start();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isRunning(), kSafetyNetMs);
        QVERIFY2(dialog.statusText().startsWith("Download failed"),
                 qPrintable(dialog.statusText()));
        QVERIFY2(dialog.statusText().contains("404"), qPrintable(dialog.statusText()));
        QVERIFY(dialog.resumeButton()->isEnabled());
    }

    void menuLabelsSizesThenInstalledAndOpensIt() {
        Session session;
        QMenu file, models;
        QWidget window;
        ModelMenu menu(&session, &file, &models, &window);
        download::DownloadOptions o = options();
        menu.setDownloadOptions(o);
        const download::ModelSpec gpt2 = *download::findModel("gpt2");
        QVERIFY2(menu.catalogLabel(gpt2).contains("124M parameters"),
                 qPrintable(menu.catalogLabel(gpt2)));
        QVERIFY2(menu.catalogLabel(gpt2).contains("MB download"),
                 qPrintable(menu.catalogLabel(gpt2)));
        // every catalog model is in the menu
        emit models.aboutToShow();
        QStringList texts;
        for (QAction* action : models.actions()) texts << action->text();
        for (const auto& spec : download::modelCatalog())
            QVERIFY2(texts.contains(menu.catalogLabel(spec)), qPrintable(spec.name));

        // "installed" once the directory holds a model; choosing it opens it, keeping the prompt
        const QString installed = download::modelDir(o.modelsDir, "gpt2");
        QVERIFY(QDir().mkpath(installed));
        const auto files = fixtureModelFiles();
        for (const auto& [name, path] : files.asKeyValueRange())
            QVERIFY(QFile::copy(path, installed + "/" + name));
        QVERIFY2(menu.catalogLabel(gpt2).endsWith("installed"),
                 qPrintable(menu.catalogLabel(gpt2)));
        session.setPrompt(test::kPrompt);
        menu.openOrDownload(gpt2);
        QVERIFY(session.waitUntilIdle());
        QVERIFY(session.model());
        QCOMPARE(QDir(QString::fromStdString(session.model()->directory.string())).absolutePath(),
                 QDir(installed).absolutePath());
        QCOMPARE(session.prompt(), test::kPrompt);
        QVERIFY(menu.downloadDialog() == nullptr);  // nothing was downloaded
    }
};

QTEST_MAIN(DownloadDialogTest)
#include "download_dialog_test.moc"
