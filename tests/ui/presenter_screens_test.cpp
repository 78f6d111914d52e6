// Presenter mode with two screens: the offscreen platform is given a laptop (1280×720) and a
// projector (1920×1080) by tests/fixtures/two-screens.json. F5 puts the stages full screen on
// the projector and the presenter console on the laptop; Esc brings the window back where it
// was. The screen choice itself (planScreens) is checked for one, two and three screens.
#include <QApplication>
#include <QScreen>
#include <QtTest>

#include "ui/main_window.h"
#include "ui/presenter/presenter_console.h"
#include "ui/presenter/screen_plan.h"
#include "ui/session.h"
#include "ui_test_util.h"
#include "window_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

class PresenterScreensTest : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        prepareApplication();
        QCOMPARE(QGuiApplication::screens().size(), 2);  // the fixture's two screens
    }

    void planPicksTheOtherScreenForTheAudience() {
        const QList<QScreen*> screens = QGuiApplication::screens();
        QScreen *laptop = screens[0], *projector = screens[1];
        const ScreenPlan fromLaptop = planScreens(screens, laptop);
        QCOMPARE(fromLaptop.audience, projector);
        QCOMPARE(fromLaptop.console, laptop);
        const ScreenPlan fromProjector = planScreens(screens, projector);
        QCOMPARE(fromProjector.audience, laptop);
        QCOMPARE(fromProjector.console, projector);
        QCOMPARE(planScreens(screens, nullptr).console, laptop);
        QVERIFY(!planScreens({laptop}, laptop).twoScreens());  // one screen: no console
        QVERIFY(!planScreens({}, nullptr).twoScreens());
        const ScreenPlan three = planScreens({laptop, projector, laptop}, projector);
        QCOMPARE(three.audience, laptop);
        QCOMPARE(three.console, projector);
    }

    void consoleOnTheLaptopStagesOnTheProjector() {
        Session session;
        QVERIFY(openFixture(session));
        auto window = makeWindow(session, QSize(1000, 600));
        const QList<QScreen*> screens = QGuiApplication::screens();
        QCOMPARE(window->screen(), screens[0]);
        const QRect before = window->geometry();

        window->enterPresenter();
        PresenterConsole* console = window->presenterConsole();
        QVERIFY(window->presenting());
        QVERIFY(console->isVisible());
        QCOMPARE(console->screen(), screens[0]);
        QVERIFY(screens[0]->geometry().contains(console->geometry()));
        QTRY_COMPARE(window->screen(), screens[1]);
        QVERIFY(window->isFullScreen());
        QTRY_COMPARE(window->geometry(), screens[1]->geometry());

        window->leavePresenter();
        QVERIFY(!console->isVisible());
        QVERIFY(!window->isFullScreen());
        QTRY_COMPARE(window->screen(), screens[0]);
        QTRY_COMPARE(window->size(), before.size());  // the position may move by the frame
        QVERIFY(screens[0]->geometry().contains(window->geometry()));
    }
};

// The two screens must be configured before the application exists.
int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" TSCOPE_FIXTURES "/two-screens.json");
    QApplication app(argc, argv);
    PresenterScreensTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "presenter_screens_test.moc"
