// The keyboard traps of issue 9, each with the focus on the control in question: Space steps
// unless a text box is being edited, Ctrl+Enter and Esc leave the prompt, bare arrows belong to
// a focused slider or table, the temperature keys and Redo work. Plus the live theme switch
// (every label of every view readable after it) and zoom (text grows, the window fits 1024×768).
#include <qcustomplot.h>
#include <QApplication>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QTableView>
#include <QtTest>

#include "ui/attention_math_pane.h"
#include "ui/generation_bar.h"
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

class KeyboardTest : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() { prepareApplication(); }

    void init() {
        session_ = std::make_unique<Session>();
        window_ = makeWindow(*session_);
        QVERIFY(openFixture(*session_));
    }
    void cleanup() {
        window_.reset();
        session_.reset();
        restoreDefaultLook();
    }

    void opensOnTheFirstStage() {
        QCOMPARE(window_->currentView()->viewName(), QString("tokens"));
        QCOMPARE(window_->currentView(), window_->tokensView());
    }

    void spaceStepsAfterCtrlEnter() {
        QPlainTextEdit* editor = window_->tokensView()->editor();
        editor->setFocus();
        editor->setPlainText("The power");
        QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(session_->waitUntilIdle());
        QVERIFY(!editor->hasFocus());
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget()
                                                    : static_cast<QWidget*>(window_.get()),
                        Qt::Key_Space);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), 3);
        QCOMPARE(editor->toPlainText(), QString("The power"));  // no space typed
    }

    void spaceTypesInTheEditorAndEscLeavesIt() {
        QPlainTextEdit* editor = window_->tokensView()->editor();
        editor->setFocus();
        editor->moveCursor(QTextCursor::End);
        const int T = session_->snapshot()->length();
        QTest::keyClick(editor, Qt::Key_Space);
        QVERIFY(editor->toPlainText().endsWith(' '));
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T);
        QTest::keyClick(editor, Qt::Key_Escape);
        QVERIFY(!editor->hasFocus());
        QTest::keyClick(window_.get(), Qt::Key_Space);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 1);
    }

    void spaceStepsWithTheTemperatureBoxFocused() {
        window_->showView("output");
        QDoubleSpinBox* box = window_->outputView()->temperatureBox();
        box->setFocus();
        box->selectAll();
        QTest::keyClicks(box, "0.5");
        QCOMPARE(session_->sampling().temperature, 0.5f);
        const int T = session_->snapshot()->length();
        QTest::keyClick(box, Qt::Key_Space);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 1);
    }

    void arrowsBelongToTheFocusedSlider() {
        window_->showView("output");
        QSlider* slider = window_->outputView()->temperatureSlider();
        slider->setFocus();
        const int head = session_->selectedHead(), value = slider->value();
        QTest::keyClick(slider, Qt::Key_Right);
        QCOMPARE(session_->selectedHead(), head);
        QVERIFY(slider->value() > value);
    }

    void arrowsBelongToTheFocusedMathTable() {
        window_->showView("attention");
        QTableView* table = window_->findChild<AttentionMathPane*>()->table();
        table->setFocus();
        const int layer = session_->selectedLayer();
        QTest::keyClick(table, Qt::Key_Down);
        QCOMPARE(session_->selectedLayer(), layer);
        // with no control focused the bare arrows still select layers
        window_->currentView()->setFocus();
        QTest::keyClick(window_.get(), Qt::Key_Down);
        QCOMPARE(session_->selectedLayer(), layer + 1);
    }

    void temperatureKeysAndRedo() {
        window_->currentView()->setFocus();
        QTest::keyClick(window_.get(), Qt::Key_T);
        QCOMPARE(session_->sampling().temperature, 1.25f);
        QTest::keyClick(window_.get(), Qt::Key_T, Qt::ShiftModifier);
        QTest::keyClick(window_.get(), Qt::Key_T, Qt::ShiftModifier);
        QCOMPARE(session_->sampling().temperature, 0.75f);
        const int T = session_->snapshot()->length();
        QTest::keyClick(window_.get(), Qt::Key_G);
        QVERIFY(session_->waitUntilIdle());
        const int id = session_->snapshot()->tokens.back().id;
        QTest::keyClick(window_.get(), Qt::Key_Backspace);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T);
        QTest::keyClick(window_.get(), Qt::Key_Backspace, Qt::ShiftModifier);
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T + 1);
        QCOMPARE(session_->snapshot()->tokens.back().id, id);
    }

    // Every label of every view, after a live switch to dark: light text on a dark window.
    void darkThemeReachesEveryLabel() {
        Presentation::instance().setDark(true);
        for (const QString& name : window_->viewNames()) {
            window_->showView(name);
            for (QLabel* label : window_->view(name)->findChildren<QLabel*>()) {
                if (!label->isVisibleTo(window_.get()) || label->text().isEmpty()) continue;
                const QColor text = label->palette().color(label->foregroundRole());
                const QColor back = label->palette().color(QPalette::Window);
                QVERIFY2(text.lightness() - back.lightness() > 60,
                         qPrintable(name + ": " + label->text().left(40) + " " + text.name() +
                                    " on " + back.name()));
            }
        }
        Presentation::instance().setDark(false);
        for (QLabel* label : window_->outputView()->findChildren<QLabel*>())
            QVERIFY(label->palette().color(label->foregroundRole()).lightness() < 140);
    }

    void zoomGrowsTextButNotTheWindow() {
        window_->showView("output");
        QLabel* temperature = nullptr;
        for (QLabel* label : window_->outputView()->findChildren<QLabel*>())
            if (label->text() == "Temperature") temperature = label;
        QVERIFY(temperature);
        const double base = temperature->font().pointSizeF();
        Presentation::instance().setZoom(1.5);
        QVERIFY(std::abs(temperature->font().pointSizeF() - base * 1.5) < 0.05);
        for (const QString& name : window_->viewNames()) {
            window_->showView(name);
            QCoreApplication::processEvents();
            const QSize minimum = window_->minimumSizeHint().expandedTo(window_->minimumSize());
            QVERIFY2(
                minimum.width() <= 1024 && minimum.height() <= 768,
                qPrintable(
                    QString("%1: %2×%3").arg(name).arg(minimum.width()).arg(minimum.height())));
        }
    }

    // The temperature demo: with the fixed axis the top bar shrinks as T rises.
    void fixedProbabilityAxis() {
        OutputView* output = window_->outputView();
        output->fixedAxisBox()->setChecked(true);
        const double end = output->plot()->xAxis->range().upper;
        session_->setTemperature(2.0);
        QCOMPARE(output->plot()->xAxis->range().upper, end);
        output->fixedAxisBox()->setChecked(false);
        QVERIFY(output->plot()->xAxis->range().upper < end);
    }

  private:
    std::unique_ptr<Session> session_;
    std::unique_ptr<MainWindow> window_;
};

QTEST_MAIN(KeyboardTest)
#include "keyboard_test.moc"
