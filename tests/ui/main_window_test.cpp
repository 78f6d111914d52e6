// The assembled window on the fixture model: every view renders, the tokens view shows the
// snapshot's chips (hover highlights the prompt, click selects), keyboard shortcuts reach the
// Session, zoom and theme reach the whole app, errors show in the banner, settings round-trip.
#include <qcustomplot.h>
#include <QApplication>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QtTest>

#include "ui/generation_bar.h"
#include "ui/help_dialog.h"
#include "ui/main_window.h"
#include "ui/output_view.h"
#include "ui/plot_style.h"
#include "ui/session.h"
#include "ui/tokens_view.h"
#include "ui_test_util.h"
#include "window_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

namespace {

// The plot's background as drawn: its top-left pixel.
QColor cornerColour(QCustomPlot* plot) {
    return plot->toPixmap(120, 80).toImage().pixelColor(1, 1);
}

}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() { prepareApplication(); }

    void init() {
        session_ = std::make_unique<Session>();
        window_ = std::make_unique<MainWindow>(session_.get());
        window_->setPersistent(false);
        window_->resize(1400, 900);
        window_->show();
        QVERIFY(openFixture(*session_));
    }
    void cleanup() {
        window_.reset();
        session_.reset();
        restoreDefaultLook();
    }

    void everyViewRenders() {
        QCOMPARE(window_->viewNames(),
                 QStringList({"tokens", "embeddings", "attention", "layers", "output", "heads",
                              "ablation", "patching", "compare"}));
        for (const QString& name : window_->viewNames()) {
            QVERIFY(window_->showView(name));
            View* view = window_->view(name);
            QVERIFY(view);
            QCOMPARE(view->viewName(), name);
            QVERIFY(view->isVisible());
            for (QCustomPlot* plot : view->plots()) plot->replot();
            const QImage image = view->grab().toImage();
            QVERIFY2(!image.isNull() && image.width() > 50 && image.height() > 50,
                     qPrintable(name));
            QVERIFY2(colourCount(image) > 8, qPrintable(name));
            QVERIFY2(!view->csv().isEmpty(), qPrintable(name));
        }
        QVERIFY(!window_->showView("nonsense"));
        const QImage whole = window_->grab().toImage();
        QCOMPARE(whole.size(), window_->size());
    }

    void tokensViewShowsTheSnapshot() {
        TokensView* tokens = window_->tokensView();
        auto s = session_->snapshot();
        QCOMPARE(tokens->chipCount(), s->length());
        QCOMPARE(tokens->editor()->toPlainText(), kPrompt);
        QVERIFY(tokens->statsText().contains(QString("%1 of 128").arg(s->length())));
        // hovering " power" (token 1) highlights its characters in the prompt and shows its bytes
        QTest::mouseMove(tokens->strip(), tokens->chipRect(1).center());
        QCOMPARE(tokens->hoveredToken(), 1);
        QCOMPARE(tokens->highlightedRange(), qMakePair(3, 9));  // " power" in "The power clapper"
        QVERIFY2(tokens->hoverText().contains("20 70 6F 77 65 72"),
                 qPrintable(tokens->hoverText()));
        QVERIFY(tokens->hoverText().contains("id 1176"));
        // clicking a chip selects that position for every view
        QTest::mouseClick(tokens->strip(), Qt::LeftButton, {}, tokens->chipRect(0).center());
        QCOMPARE(session_->selectedPosition(), 0);
        // generated tokens get chips too, marked as generated in the CSV
        session_->greedyStep();
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(tokens->chipCount(), s->length() + 1);
        const QStringList rows = tokens->csv().split('\n', Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 1 + s->length() + 1);
        QVERIFY(rows.last().contains(",greedy,"));  // the source column says how it was chosen
        QVERIFY(rows[1].contains(",prompt,"));
    }

    void ctrlEnterRunsThePrompt() {
        TokensView* tokens = window_->tokensView();
        tokens->editor()->setPlainText("The power");
        tokens->editor()->setFocus();
        QTest::keyClick(tokens->editor(), Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->prompt(), QString("The power"));
        QCOMPARE(session_->snapshot()->length(), 2);
        QCOMPARE(tokens->editor()->toPlainText(), QString("The power"));  // no line break added
    }

    void shortcutsReachTheSession() {
        window_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window_.get()));
        window_->outputView()->setFocus();
        const int T = session_->snapshot()->length();
        QTest::keyClick(window_.get(), Qt::Key_Space);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 1);
        QTest::keyClick(window_.get(), Qt::Key_G);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 2);
        QTest::keyClick(window_.get(), Qt::Key_Backspace);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 1);
        QTest::keyClick(window_.get(), Qt::Key_Down);
        QCOMPARE(session_->selectedLayer(), 1);
        QTest::keyClick(window_.get(), Qt::Key_Right);
        QTest::keyClick(window_.get(), Qt::Key_Right);
        QCOMPARE(session_->selectedHead(), 2);
        QTest::keyClick(window_.get(), Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(window_->currentView()->viewName(), QString("attention"));
        QTest::keyClick(window_.get(), Qt::Key_5, Qt::ControlModifier);
        QCOMPARE(window_->currentView()->viewName(), QString("output"));
    }

    void everyShortcutIsUniqueAndListedInHelp() {
        QSet<QString> seen;
        const QList<QAction*> actions = window_->shortcutActions();
        QVERIFY(actions.size() >= 20);
        HelpDialog help(actions);
        for (QAction* action : actions) {
            for (const QKeySequence& key : action->shortcuts()) {
                const QString text = key.toString(QKeySequence::PortableText);
                QVERIFY2(!seen.contains(text), qPrintable("shortcut used twice: " + text));
                seen.insert(text);
                QVERIFY2(
                    help.text().contains(key.toString(QKeySequence::NativeText).toHtmlEscaped()),
                    qPrintable(text));
            }
        }
        for (const char* key :
             {"Space", "G", "Backspace", "Esc", "Ctrl+O", "F1", "Ctrl+=", "Ctrl+-", "Ctrl+0",
              "Ctrl+1", "Ctrl+5", "Up", "Left", "Ctrl+Return"})
            QVERIFY2(seen.contains(key), key);
    }

    void zoomScalesTheWholeApp() {
        const double base = QApplication::font().pointSizeF();
        window_->zoomIn();
        QVERIFY(std::abs(QApplication::font().pointSizeF() - base * 1.15) < 0.01);
        OutputView* output = window_->outputView();
        QVERIFY(std::abs(output->plot()->xAxis->tickLabelFont().pointSizeF() - 9 * 1.15) < 0.01);
        window_->zoomOut();
        window_->zoomOut();
        QVERIFY(QApplication::font().pointSizeF() < base);
        window_->resetZoom();
        QVERIFY(std::abs(QApplication::font().pointSizeF() - base) < 0.01);
    }

    void darkThemeReachesWidgetsAndPlots() {
        Presentation::instance().setDark(true);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 60);
        QVERIFY(QApplication::palette().color(QPalette::WindowText).lightness() > 180);
        OutputView* output = window_->outputView();
        QVERIFY(cornerColour(output->plot()).lightness() < 60);
        QVERIFY(output->bars()->brush().color() == Presentation::instance().series());
        Presentation::instance().setDark(false);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 200);
        QVERIFY(cornerColour(output->plot()).lightness() > 200);
    }

    void titleAndStatusDescribeTheModel() {
        const QString title = window_->windowTitle();
        QVERIFY2(
            title.contains("tiny-gpt2") && title.contains("parameters") && title.contains("MiB"),
            qPrintable(title));
        QVERIFY(window_->modelSummary().contains("3.3 M"));  // 3,324,736 without the tied head
    }

    void errorsShowInTheBanner() {
        QVERIFY(window_->errorText().isEmpty());
        QString prompt;
        for (int i = 0; i < 60; ++i) prompt += "The power clapper ";
        session_->setPrompt(prompt);
        QVERIFY(!session_->waitUntilIdle());
        QVERIFY(window_->errorText().contains("128"));
        session_->setPrompt(kPrompt);  // the next good result clears it
        QVERIFY(session_->waitUntilIdle());
        QVERIFY(window_->errorText().isEmpty());
    }

    void settingsRoundTrip() {
        Presentation::instance().setDark(true);
        Presentation::instance().setZoom(1.3);
        session_->setTemperature(0.7);
        session_->setSeed(1234);
        window_->showView("attention");
        window_->saveSettings();
        Presentation::instance().setDark(false);
        Presentation::instance().setZoom(1.0);

        Session other;
        MainWindow restored(&other);
        restored.setPersistent(false);
        restored.restoreSettings();
        QVERIFY(Presentation::instance().dark());
        QVERIFY(std::abs(Presentation::instance().zoom() - 1.3) < 1e-9);
        QCOMPARE(other.sampling().temperature, 0.7f);
        QCOMPARE(other.seed(), quint64(1234));
        QCOMPARE(restored.currentView()->viewName(), QString("attention"));
        QSettings settings;
        QCOMPARE(settings.value("session/prompt").toString(), kPrompt);
        QVERIFY(settings.value("session/model").toString().endsWith("tiny-gpt2"));
        QVERIFY(other.waitUntilIdle());
    }

  private:
    std::unique_ptr<Session> session_;
    std::unique_ptr<MainWindow> window_;
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
