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

    // The temperature changes between steps, so re-sampling with the saved (last) settings
    // would draw other tokens: only a replay that feeds the stored tokens passes.
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
        a.session.greedyStep();
        a.session.setTemperature(0.8);
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
        QCOMPARE(y->text, x->text);
        for (int t = x->promptTokens; t < x->length(); ++t) {
            QCOMPARE(y->tokens[size_t(t)].forced, x->tokens[size_t(t)].forced);
            QCOMPARE(y->tokens[size_t(t)].greedy, x->tokens[size_t(t)].greedy);
            QCOMPARE(y->tokens[size_t(t)].prob, x->tokens[size_t(t)].prob);
        }
        QVERIFY(x->tokens[size_t(x->length() - 3)].forced);
        QVERIFY(x->tokens[size_t(x->length() - 2)].greedy);
        QCOMPARE(differenceBetween(y->capture, x->capture), QString());  // every number
        for (int t = x->promptTokens - 1; t < x->length(); ++t)
            QCOMPARE(b.session.distributionAt(t), a.session.distributionAt(t));
        QCOMPARE(b.session.seed(), quint64(7));
        QCOMPARE(b.session.sampling().temperature, 0.8f);
        QCOMPARE(b.session.prompt(), a.session.prompt());
        QCOMPARE(b.session.selectedLayer(), 1);
        QCOMPARE(b.session.selectedHead(), 2);
        QCOMPARE(b.window.presenter()->contextCap(), 12);
        QCOMPARE(b.window.presenter()->position().stage, 6);
        QCOMPARE(b.window.presenter()->notes(6), QString("Turn it up"));
        QVERIFY(Presentation::instance().dark());
        QCOMPARE(SessionDocument::recentSessions().front(), QFileInfo(path).absoluteFilePath());

        // the generator continues where the original's was: the next draws are the same
        a.session.generate(3);
        b.session.generate(3);
        QVERIFY(a.session.waitUntilIdle() && b.session.waitUntilIdle());
        QCOMPARE(b.session.snapshot()->ids(), a.session.snapshot()->ids());
    }

    // A hand-edited file: the stored tokens are kept as sampled ones (not re-drawn, not marked
    // forced), and a missing probability is what the token has under the saved settings.
    void anEditedSampledTokenIsReplayedAsSaved() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/edited.tscope";
        App a;
        QVERIFY(openFixture(a.session));
        SessionFile file = a.document().current();
        file.generated = {{100, false, 0}, {200, false, 0}};  // not what seed 42 draws
        writeSessionFile(file, path.toStdString());
        App b;
        QCOMPARE(b.open(path), QString());
        auto s = b.session.snapshot();
        const int last = s->length() - 1;
        QCOMPARE(s->ids()[size_t(last - 1)], 100);
        QCOMPARE(s->ids()[size_t(last)], 200);
        QVERIFY(!s->tokens[size_t(last)].forced);
        QCOMPARE(s->tokens[size_t(last)].prob, b.session.distributionAt(last - 1)[200]);
        QVERIFY(s->tokens[size_t(last)].prob > 0);
    }

    void badFilesLeaveTheAppAsItWas() {
        QTemporaryDir dir;
        App a;
        QVERIFY(openFixture(a.session));
        a.session.setSeed(5);
        a.session.setTemperature(1.25);
        a.session.generate(2);
        QVERIFY(a.session.waitUntilIdle());
        a.window.presenter()->setPosition({2, 0});
        const std::vector<int> before = a.session.snapshot()->ids();
        const auto unchanged = [&a, &before] {
            a.session.waitUntilIdle();  // false after a refused replay: that job failed
            QCOMPARE(a.session.snapshot()->ids(), before);
            QCOMPARE(a.session.prompt(), kPrompt);
            QCOMPARE(a.session.seed(), quint64(5));
            QCOMPARE(a.session.sampling().temperature, 1.25f);
            QCOMPARE(a.window.presenter()->position().stage, 2);
            QVERIFY(!Presentation::instance().dark());
        };
        const SessionFile good = a.document().current();
        SessionFile file = good;
        file.prompt = "Something else";
        file.seed = 9;
        file.temperature = 0.5f;
        file.stage = 7;
        file.dark = true;

        const QString missing = dir.path() + "/missing.tscope";
        SessionFile noModel = file;
        noModel.modelPath = "/nowhere/model";
        noModel.modelName = "no-such-model";
        writeSessionFile(noModel, missing.toStdString());
        QVERIFY(a.open(missing).contains("not installed"));
        unchanged();

        const QString other = dir.path() + "/other.tscope";
        SessionFile otherWeights = file;
        otherWeights.weightsSha256 = std::string(64, '0');
        writeSessionFile(otherWeights, other.toStdString());
        QVERIFY(a.open(other).contains("other weights"));
        unchanged();

        const QString broken = dir.path() + "/broken.tscope";
        writeText(broken, "{\"format\": \"tscope-session\", \"version\": 1, \"prompt\": 3}");
        QVERIFY(a.open(broken).contains("broken.tscope"));
        QVERIFY(a.open(dir.path()).contains("not a regular file"));
        unchanged();

        // well-formed, right model, but tokens this model cannot take: refused by the replay
        const QString outside = dir.path() + "/outside.tscope";
        SessionFile badId = file;
        badId.generated = {{11, false, 0}, {60000, false, 0}};
        writeSessionFile(badId, outside.toStdString());
        QVERIFY(a.open(outside).contains("outside this model's vocabulary"));
        unchanged();
        const QString tooLong = dir.path() + "/long.tscope";
        SessionFile longer = file;
        longer.generated.assign(200, {11, true, 0});
        writeSessionFile(longer, tooLong.toStdString());
        QVERIFY(a.open(tooLong).contains("context holds only"));
        unchanged();
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
