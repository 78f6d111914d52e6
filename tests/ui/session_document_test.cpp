// .tscope sessions in the app: save → open gives the same tokens (sampled and forced) and the
// same probabilities, the presenter's stage, cap and notes; a missing model, other weights or a
// malformed file give a clear message and leave the app as it was. The shipped example opens.
#include <QApplication>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/main_window.h"
#include "ui/plot_style.h"
#include "ui/presenter/presenter_view.h"
#include "ui/presenter/session_document.h"
#include "ui/session.h"
#include "ui_test_util.h"
#include "window_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

namespace {

struct App {
    Session session;
    MainWindow window{&session};
    App() {
        window.setPersistent(false);
        window.setFitsScreen(false);
    }
    SessionDocument& document() { return *window.sessionDocument(); }
    // Opens a file and waits for the replay; returns the error (from open or from the replay).
    QString open(const QString& path) {
        QString error = document().open(path);
        if (!error.isEmpty()) return error;
        const auto connection = QObject::connect(&document(), &SessionDocument::finished,
                                                 [&error](const QString& e) { error = e; });
        while (document().replaying()) session.waitUntilIdle();
        QObject::disconnect(connection);
        return error;
    }
};

void writeText(const QString& path, const QByteArray& text) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text);
}

}  // namespace

class SessionDocumentTest : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() { prepareApplication(); }
    void cleanup() { restoreDefaultLook(); }

    void roundTripGivesTheSameTokensAndProbabilities() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/demo.tscope";
        App a;
        QVERIFY(openFixture(a.session));
        a.session.setSeed(7);
        a.session.setTemperature(1.5);
        a.session.generate(3);
        QVERIFY(a.session.waitUntilIdle());
        a.session.forceToken(262);
        a.session.step();
        QVERIFY(a.session.waitUntilIdle());
        a.session.selectLayer(1);
        a.session.selectHead(2);
        a.window.presenter()->setContextCap(12);
        a.window.presenter()->setPosition({6, 0});
        a.window.presenter()->setNotes(6, "Turn it up");
        Presentation::instance().setDark(true);
        QCOMPARE(a.document().save(path), QString());
        Presentation::instance().setDark(false);

        App b;
        QCOMPARE(b.open(path), QString());
        auto x = a.session.snapshot(), y = b.session.snapshot();
        QCOMPARE(y->ids(), x->ids());
        QCOMPARE(y->promptTokens, x->promptTokens);
        for (int t = x->promptTokens; t < x->length(); ++t) {
            QCOMPARE(y->tokens[size_t(t)].forced, x->tokens[size_t(t)].forced);
            QCOMPARE(y->tokens[size_t(t)].prob, x->tokens[size_t(t)].prob);
        }
        QVERIFY(x->tokens[size_t(x->length() - 2)].forced);
        QCOMPARE(b.session.distribution(), a.session.distribution());
        QCOMPARE(b.session.seed(), quint64(7));
        QCOMPARE(b.session.sampling().temperature, 1.5f);
        QCOMPARE(b.session.selectedLayer(), 1);
        QCOMPARE(b.session.selectedHead(), 2);
        QCOMPARE(b.window.presenter()->contextCap(), 12);
        QCOMPARE(b.window.presenter()->position().stage, 6);
        QCOMPARE(b.window.presenter()->notes(6), QString("Turn it up"));
        QVERIFY(Presentation::instance().dark());
        QCOMPARE(SessionDocument::recentSessions().front(), QFileInfo(path).absoluteFilePath());
    }

    void anEditedSampledTokenIsForced() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/edited.tscope";
        App a;
        QVERIFY(openFixture(a.session));
        SessionFile file = a.document().current();
        file.generated = {{100, false, 0}, {200, false, 0}};  // not what seed 42 draws
        writeSessionFile(file, path.toStdString());
        App b;
        QCOMPARE(b.open(path), QString());
        const std::vector<int> ids = b.session.snapshot()->ids();
        QCOMPARE(ids[ids.size() - 2], 100);
        QCOMPARE(ids.back(), 200);
    }

    void badFilesLeaveTheAppAsItWas() {
        QTemporaryDir dir;
        App a;
        QVERIFY(openFixture(a.session));
        const std::vector<int> before = a.session.snapshot()->ids();
        SessionFile file = a.document().current();

        const QString missing = dir.path() + "/missing.tscope";
        file.modelPath = "/nowhere/model";
        file.modelName = "no-such-model";
        writeSessionFile(file, missing.toStdString());
        QVERIFY(a.open(missing).contains("not installed"));

        const QString other = dir.path() + "/other.tscope";
        file = a.document().current();
        file.weightsSha256 = std::string(64, '0');
        file.prompt = "Something else";
        writeSessionFile(file, other.toStdString());
        QVERIFY(a.open(other).contains("other weights"));

        const QString broken = dir.path() + "/broken.tscope";
        writeText(broken, "{\"format\": \"tscope-session\", \"version\": 1, \"prompt\": 3}");
        QVERIFY(a.open(broken).contains("broken.tscope"));
        QVERIFY(a.open(dir.path()).contains("not a regular file"));

        QVERIFY(a.session.waitUntilIdle());
        QCOMPARE(a.session.snapshot()->ids(), before);
        QCOMPARE(a.session.prompt(), kPrompt);
    }

    void theShippedExampleOpens() {
        const QString example = TSCOPE_SOURCE_DIR "/resources/sessions/the-power-clapper.tscope";
        const SessionFile file = readSessionFile(example.toStdString());
        if (SessionDocument::resolveModel(file).isEmpty())
            QSKIP("the bundled model is not installed");
        App a;
        QCOMPARE(a.open(example), QString());
        QCOMPARE(a.session.prompt(), QString::fromStdString(file.prompt));
        QCOMPARE(a.session.snapshot()->length() - a.session.snapshot()->promptTokens,
                 int(file.generated.size()));
    }
};

QTEST_MAIN(SessionDocumentTest)
#include "session_document_test.moc"
