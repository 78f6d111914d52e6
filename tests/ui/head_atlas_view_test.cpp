// Head atlas on the fixture model: the map holds core's six scores for the prompt and for the
// repeated probe, the list is sorted strongest first, clicking a head opens it in the Attention
// view, Ctrl+click ablates it and it is then marked in the atlas and the all-heads grid, and the
// help prints the six definitions exactly as issue 10 gives them.
#include <qcustomplot.h>

#include <QLineEdit>
#include <QTableWidget>
#include <QtTest>
#include <cmath>

#include "core/head_scores.h"
#include "ui/attention_grid.h"
#include "ui/attention_view.h"
#include "ui/cell_marks.h"
#include "ui/head_atlas_view.h"
#include "ui/heatmap.h"
#include "ui/help_dialog.h"
#include "ui_test_util.h"
#include "window_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

class HeadAtlasViewTest : public QObject {
    Q_OBJECT
  private:
    std::unique_ptr<Session> session_;
    std::unique_ptr<MainWindow> window_;
    HeadAtlasView* atlas_ = nullptr;

    // Every cell of the map against a grid, for one score (null = NaN = masked).
    void expectMapShows(const HeadScoreGrid& grid, HeadScore score) {
        atlas_->setScore(score);
        Heatmap* map = atlas_->heatmap();
        QCOMPARE(map->rows(), grid.layers);
        QCOMPARE(map->cols(), grid.heads);
        for (int l = 0; l < grid.layers; ++l)
            for (int h = 0; h < grid.heads; ++h) {
                const auto want = grid.at(l, h)[score];
                const float shown = map->value(l, h);
                if (!want) {
                    QVERIFY(std::isnan(shown));
                    continue;
                }
                QVERIFY2(
                    std::abs(double(shown) - *want) < 1e-6,
                    qPrintable(QString("%1 at %2.%3").arg(headScoreName(score)).arg(l).arg(h)));
            }
    }

    QPoint cellPixel(int layer, int head) const {
        QCustomPlot* plot = atlas_->heatmap()->plot();
        return QPoint(int(plot->xAxis->coordToPixel(head)), int(plot->yAxis->coordToPixel(layer)));
    }

  private slots:
    void initTestCase() { prepareApplication(); }
    void init() {
        session_ = std::make_unique<Session>();
        window_ = makeWindow(*session_);
        QVERIFY(openFixture(*session_, kPromptC));
        atlas_ = qobject_cast<HeadAtlasView*>(window_->view("heads"));
        QVERIFY(atlas_);
        QVERIFY(window_->showView("heads"));
        atlas_->waitUntilReady();
        QCoreApplication::processEvents();
    }
    void cleanup() {
        window_.reset();
        session_.reset();
        restoreDefaultLook();
    }

    void promptScoresAreCoresScores() {
        const HeadScoreGrid grid = headScoreGrid(session_->snapshot()->capture);
        for (int s = 0; s < kHeadScoreCount; ++s) expectMapShows(grid, HeadScore(s));
        QVERIFY(atlas_->statusText().contains("16 tokens"));
        QVERIFY(!atlas_->csv().isEmpty());
    }

    void probeScoresAreTheSeedAverage() {
        atlas_->setProbe(10, 2);
        atlas_->setSource(HeadAtlasView::Source::Probe);
        atlas_->waitUntilReady();
        const HeadScoreGrid grid = repeatedProbeScores(session_->model(), 10, 0, 2);
        expectMapShows(grid, HeadScore::Induction);
        expectMapShows(grid, HeadScore::PrevToken);
        QVERIFY(atlas_->statusText().contains("2 seeds"));
    }

    void listIsSortedStrongestFirst() {
        atlas_->setScore(HeadScore::FirstToken);
        QTableWidget* table = atlas_->table();
        QCOMPARE(table->rowCount(), 8);
        double previous = 1e9;
        for (int r = 0; r < table->rowCount(); ++r) {
            const double v = table->item(r, 1)->data(Qt::UserRole).toDouble();
            QVERIFY(v <= previous);
            previous = v;
        }
    }

    void clickingAHeadOpensItInAttention() {
        QSignalSpy opened(atlas_, &HeadAtlasView::openHeadRequested);
        QTest::mouseClick(atlas_->heatmap()->plot(), Qt::LeftButton, {}, cellPixel(1, 2));
        QCOMPARE(opened.count(), 1);
        QCOMPARE(window_->currentView()->viewName(), QString("attention"));
        auto* attention = qobject_cast<AttentionView*>(window_->view("attention"));
        QCOMPARE(attention->layer(), 1);
        QCOMPARE(attention->head(), 2);
        QCOMPARE(session_->selectedLayer(), 1);
        QCOMPARE(session_->selectedHead(), 2);
    }

    void ctrlClickAblatesAndMarksEverywhere() {
        QTest::mouseClick(atlas_->heatmap()->plot(), Qt::LeftButton, Qt::ControlModifier,
                          cellPixel(0, 3));
        QVERIFY(session_->isAblated(0, 3));
        QCOMPARE(window_->currentView()->viewName(), QString("heads"));  // stays
        bool marked = false;
        for (const CellMark& m : atlas_->marks().marks())
            marked |= m.row == 0 && m.col == 3 && m.text.contains(QString::fromUtf8("✕"));
        QVERIFY(marked);
        auto* attention = qobject_cast<AttentionView*>(window_->view("attention"));
        QCOMPARE(attention->grid()->crossedOut(), (std::vector<std::pair<int, int>>{{0, 3}}));
        QVERIFY(atlas_->csv().contains("0,3,"));
        // Ctrl+click in the all-heads grid restores it
        window_->showView("attention");
        QCoreApplication::processEvents();
        AttentionGrid* grid = attention->grid();
        QPoint cell;  // where head 0.3 is: a plain click only opens a head
        QSignalSpy opened(grid, &AttentionGrid::headClicked);
        for (int y = 0; y < grid->height() && cell.isNull(); y += 3)
            for (int x = 0; x < grid->width() && cell.isNull(); x += 3) {
                QTest::mouseClick(grid, Qt::LeftButton, {}, QPoint(x, y));
                if (!opened.isEmpty() && opened.last()[0].toInt() == 0 &&
                    opened.last()[1].toInt() == 3)
                    cell = QPoint(x, y);
            }
        QVERIFY(!cell.isNull());
        QSignalSpy toggled(grid, &AttentionGrid::ablationToggled);
        QTest::mouseClick(grid, Qt::LeftButton, Qt::ControlModifier, cell);
        QCOMPARE(toggled.count(), 1);
        QVERIFY(!session_->isAblated(0, 3));
        QVERIFY(grid->crossedOut().empty());
        QVERIFY(atlas_->marks().marks().empty());
    }

    void noReportedLabelsOnAModelThatIsNotGpt2Small() {
        QVERIFY(atlas_->reported().empty());  // the fixture is 2 layers × 4 heads
        for (const CellMark& m : atlas_->marks().marks()) QVERIFY(!m.text.contains("R"));
    }

    // The research tabs' list and text boxes keep bare arrows and Space (ui/key_policy.h).
    void focusedControlsKeepTheirKeys() {
        atlas_->table()->setFocus();
        QTest::keyClick(atlas_->table(), Qt::Key_Down);
        QTest::keyClick(atlas_->table(), Qt::Key_Right);
        QCOMPARE(session_->selectedLayer(), 0);  // no "next layer" / "next head" shortcut
        QCOMPARE(session_->selectedHead(), 0);
        window_->showView("patching");
        auto* edit = window_->view("patching")->findChild<QLineEdit*>();
        QVERIFY(edit);
        edit->setFocus();
        const int length = session_->snapshot()->length();
        QTest::keyClick(edit, Qt::Key_Space);
        QVERIFY(!session_->busy());
        QCOMPARE(session_->snapshot()->length(), length);  // typed, not stepped
        QVERIFY(edit->text().endsWith(' '));
    }

    void helpPrintsTheSixDefinitionsAsTheIssueGivesThem() {
        const HelpDialog help({}, nullptr);
        const QString text = help.text();
        for (const char* definition :
             {"<code>prev_token</code>: mean over rows i ≥ 1 of A[i, i−1]",
              "<code>first_token</code>: mean over rows i ≥ 1 of A[i, 0]",
              "<code>self</code>: mean over all rows i of A[i, i]",
              "<code>duplicate_token</code>: mean, over the rows i that have some j &lt; i "
              "with t[j] = t[i], of the sum of A[i, j] over those j",
              "<code>induction</code>: mean, over the rows i that have some 1 ≤ j ≤ i−1 with "
              "t[j−1] = t[i], of the sum of A[i, j] over those j",
              "<code>entropy</code>: mean over rows i ≥ 1 of −Σ_j A[i, j] ln A[i, j] (nats)",
              "Rows where a score has no target are left out of its mean; a score with no row "
              "at all is null."})
            QVERIFY2(text.contains(QString::fromUtf8(definition)), definition);
    }
};

QTEST_MAIN(HeadAtlasViewTest)
#include "head_atlas_view_test.moc"
