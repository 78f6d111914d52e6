// Presenter mode on the fixture model: the stage order of the talk, the walk's beats and loop,
// the clicker keys (next, previous, Home/End, numbers, blank, temperature, sample, greedy, Esc),
// F5 from the main window, every stage painted, and the handout export.
#include <QApplication>
#include <QDir>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/main_window.h"
#include "ui/plot_style.h"
#include "ui/presenter/presenter_console.h"
#include "ui/presenter/presenter_view.h"
#include "ui/presenter/stage_navigation.h"
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/walkthrough_export.h"
#include "ui/session.h"
#include "ui_test_util.h"
#include "window_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

class PresenterTest : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() { prepareApplication(); }

    void init() {
        session_ = std::make_unique<Session>();
        window_ = makeWindow(*session_);
        QVERIFY(openFixture(*session_));
        presenter_ = window_->presenter();
    }
    void cleanup() {
        window_.reset();
        session_.reset();
    }

    void stagesFollowTheTalk() {
        QCOMPARE(presenter_->stageTitles(),
                 QStringList({"The model", "Text becomes tokens", "Embedding lookup", "Attention",
                              "Through the layers", "Unembedding: a score for every token",
                              "Softmax with temperature", "Sample one token", "Feed it back"}));
        QCOMPARE(presenter_->stage(kTokensStage).title(), QString("Text becomes tokens"));
        QCOMPARE(presenter_->stage(kSoftmaxStage).title(), QString("Softmax with temperature"));
        QCOMPARE(presenter_->stage(kSampleStage).spec().actionBeat, 1);
    }

    void navigationBeatsAndLoop() {
        StageNavigation nav({{1, -1}, {2, -1}, {2, 1}, {1, -1}});
        nav.setLoopTargets(1, 2);
        QCOMPARE(nav.next(), StageAction::None);
        QCOMPARE(nav.position(), (StagePosition{1, 0}));
        QCOMPARE(nav.next(), StageAction::None);
        QCOMPARE(nav.position(), (StagePosition{1, 1}));
        QCOMPARE(nav.next(), StageAction::None);  // stage 2 shows its text first
        QCOMPARE(nav.next(), StageAction::Sample);
        QCOMPARE(nav.previous(), StageAction::Undo);
        QCOMPARE(nav.next(), StageAction::Sample);
        QCOMPARE(nav.next(), StageAction::None);
        QCOMPARE(nav.position(), (StagePosition{3, 0}));
        QCOMPARE(nav.next(false), StageAction::None);  // the cap: the walk stays
        QCOMPARE(nav.position(), (StagePosition{3, 0}));
        QCOMPARE(nav.next(true), StageAction::None);  // full loop: back to the tokens
        QCOMPARE(nav.position(), (StagePosition{1, 0}));
        nav.end();
        nav.setQuickLoop(true);
        nav.next(true);
        QCOMPARE(nav.position(), (StagePosition{2, 0}));  // quick: straight to the softmax
        QCOMPARE(nav.previous(), StageAction::None);
        QCOMPARE(nav.position(), (StagePosition{1, 1}));  // from behind: the last beat
        QVERIFY(!nav.jump(9));
    }

    void f5EntersAndEscLeaves() {
        QVERIFY(!window_->presenting());
        QTest::keyClick(window_.get(), Qt::Key_F5);
        QVERIFY(window_->presenting());
        QVERIFY(presenter_->hasFocus());
        QTest::keyClick(presenter_, Qt::Key_Escape);
        QVERIFY(!window_->presenting());
    }

    void clickerKeysWalkTheStages() {
        window_->enterPresenter();
        QCOMPARE(presenter_->position(), (StagePosition{0, 0}));
        const int T = session_->snapshot()->length();
        QTest::keyClick(presenter_, Qt::Key_PageDown);
        QCOMPARE(presenter_->position(), (StagePosition{1, 0}));
        QTest::keyClick(presenter_, Qt::Key_Right);
        QCOMPARE(presenter_->position(), (StagePosition{1, 1}));
        QTest::keyClick(presenter_, Qt::Key_Space);  // next beat, not the Step shortcut
        QCOMPARE(presenter_->position(), (StagePosition{2, 0}));
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T);
        QTest::keyClick(presenter_, Qt::Key_PageUp);
        QTest::keyClick(presenter_, Qt::Key_Left);
        QCOMPARE(presenter_->position(), (StagePosition{1, 0}));
        QTest::keyClick(presenter_, Qt::Key_End);
        QCOMPARE(presenter_->position().stage, presenter_->stageCount() - 1);
        QTest::keyClick(presenter_, Qt::Key_Home);
        QCOMPARE(presenter_->position(), (StagePosition{0, 0}));
        QTest::keyClick(presenter_, Qt::Key_4);
        QCOMPARE(presenter_->position(), (StagePosition{3, 0}));
        QTest::keyClick(presenter_, Qt::Key_B);
        QVERIFY(presenter_->blanked());
        QVERIFY(presenter_->grab().toImage().pixelColor(640, 360) == QColor(Qt::black));
        QTest::keyClick(presenter_, Qt::Key_B);
        QVERIFY(!presenter_->blanked());
    }

    void temperatureAndSampleKeys() {
        window_->enterPresenter();
        QTest::keyClick(presenter_, Qt::Key_T);
        QCOMPARE(session_->sampling().temperature, 1.25f);
        QTest::keyClick(presenter_, Qt::Key_T, Qt::ShiftModifier);
        QTest::keyClick(presenter_, Qt::Key_Minus);
        QCOMPARE(session_->sampling().temperature, 0.75f);
        QTest::keyClick(presenter_, Qt::Key_Plus);
        QCOMPARE(session_->sampling().temperature, 1.0f);
        const int T = session_->snapshot()->length();
        QTest::keyClick(presenter_, Qt::Key_S);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 1);
        QCOMPARE(presenter_->position(), (StagePosition{kSampleStage, 1}));
        QVERIFY(!session_->snapshot()->tokens.back().forced);
        QTest::keyClick(presenter_, Qt::Key_Left);  // backing out of the draw undoes it
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T);
        QTest::keyClick(presenter_, Qt::Key_G);
        QVERIFY(session_->waitUntilIdle());
        const std::vector<float> before = session_->distributionAt(T - 1);
        const int argmax = int(std::max_element(before.begin(), before.end()) - before.begin());
        QCOMPARE(session_->snapshot()->tokens.back().id, argmax);
    }

    void contextCapStopsTheWalk() {
        window_->enterPresenter();
        const int T = session_->snapshot()->length();
        presenter_->setContextCap(T + 1);
        presenter_->setPosition({kSampleStage, 0});
        QTest::keyClick(presenter_, Qt::Key_Right);  // draws the last token the cap allows
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 1);
        QTest::keyClick(presenter_, Qt::Key_Right);  // feed back
        QTest::keyClick(presenter_, Qt::Key_Right);  // the cap: no loop
        QCOMPARE(presenter_->position().stage, presenter_->stageCount() - 1);
        QTest::keyClick(presenter_, Qt::Key_S);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 1);
    }

    void everyStageRendersWithBigText() {
        for (int s = 0; s < presenter_->stageCount(); ++s)
            for (int beat = 0; beat < presenter_->stage(s).spec().beats; ++beat) {
                const QImage image = presenter_->render(QSize(1280, 720), {s, beat});
                QCOMPARE(image.size(), QSize(1280, 720));
                QVERIFY2(colourCount(image) > 20, qPrintable(presenter_->stage(s).title()));
            }
        QVERIFY(StagePainter::kSmallPx >= 24);  // the smallest text of any stage
    }

    void exportWritesPdfAndPngs() {
        QTemporaryDir dir;
        const QString pdf = dir.path() + "/walk.pdf";
        QCOMPARE(exportWalkthroughFiles(*presenter_, pdf, QSize(640, 360)), QString());
        QVERIFY(QFileInfo(pdf).size() > 1000);
        QVERIFY(QFileInfo::exists(dir.path() + "/walk-1-1.png"));
        QVERIFY(QFileInfo::exists(dir.path() + "/walk-4-3.png"));
        QVERIFY(QFileInfo::exists(dir.path() + "/walk-9-1.png"));
    }

    void consoleFollowsAndForwardsKeys() {
        PresenterConsole* console = window_->presenterConsole();
        console->show();
        presenter_->setPosition({kSoftmaxStage, 0});
        QVERIFY2(console->currentText().contains("Softmax"), qPrintable(console->currentText()));
        QVERIFY2(console->nextText().contains("Sample"), qPrintable(console->nextText()));
        QCOMPARE(console->notesEditor()->toPlainText(), presenter_->notes(kSoftmaxStage));
        console->notesEditor()->setPlainText("Ask the room first");
        QCOMPARE(presenter_->notes(kSoftmaxStage), QString("Ask the room first"));
        presenter_->setNotes(kSoftmaxStage, "From a session");  // e.g. a session opened now
        QCOMPARE(console->notesEditor()->toPlainText(), QString("From a session"));
        console->setFocus();
        QTest::keyClick(console, Qt::Key_PageDown);  // a clicker on the laptop's window
        QCOMPARE(presenter_->position(), (StagePosition{kSampleStage, 0}));
        console->hide();
    }

  private:
    std::unique_ptr<Session> session_;
    std::unique_ptr<MainWindow> window_;
    PresenterView* presenter_ = nullptr;
};

QTEST_MAIN(PresenterTest)
#include "presenter_test.moc"
