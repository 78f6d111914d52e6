// Attention view on the fixture model: the heatmap holds exactly the capture's probabilities of
// the selected layer / head (masked cells transparent), the averaged map is the mean of the
// heads, the math pane shows the capture's q, scores, weights and head output (and the output
// really is Σ w_j v_j), a Step grows the map by one row, and the small multiples open a head.
#include <qcustomplot.h>

#include <QSignalSpy>
#include <QTableView>
#include <QtTest>
#include <cmath>

#include "ui/attention_grid.h"
#include "ui/attention_math_pane.h"
#include "ui/attention_view.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/session.h"

using namespace tscope;
using namespace tscope::ui;

namespace {

// The widget's pixels are not all one colour (something was drawn).
bool drewSomething(QWidget* widget) {
    QImage image = widget->grab().toImage();
    if (image.isNull() || image.width() < 10 || image.height() < 10) return false;
    QRgb first = image.pixel(0, 0);
    int differing = 0;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7) differing += image.pixel(x, y) != first;
    return differing > 50;
}

}  // namespace

class AttentionViewTest : public QObject {
    Q_OBJECT
  private:
    Session* session_ = nullptr;
    AttentionView* view_ = nullptr;

    const Capture& capture() const { return session_->snapshot()->capture; }

    void select(int layer, int head, int position) {
        session_->selectLayer(layer);
        session_->selectHead(head);
        session_->selectPosition(position);
        QCoreApplication::processEvents();
    }

    // Every cell of the colour map against the capture (or the given expected matrix).
    void expectMapEquals(const RowMatrix& expected) {
        QCPColorMapData* data = view_->heatmap()->colorMap()->data();
        const int T = int(expected.rows());
        QCOMPARE(data->keySize(), T);
        QCOMPARE(data->valueSize(), T);
        for (int q = 0; q < T; ++q) {
            for (int k = 0; k < T; ++k) {
                if (k <= q) {
                    QVERIFY2(std::abs(data->cell(k, q) - double(expected(q, k))) < 1e-6,
                             qPrintable(QString("cell q=%1 k=%2").arg(q).arg(k)));
                    QCOMPARE(int(data->alpha(k, q)), 255);
                } else {
                    QCOMPARE(int(data->alpha(k, q)), 0);  // masked future: transparent
                    QVERIFY(std::isnan(view_->heatmap()->value(q, k)));
                }
            }
        }
    }

  private slots:
    void initTestCase() {
        session_ = new Session(this);
        session_->setPrompt("The power clapper went straight to jail");
        session_->openModel(TSCOPE_FIXTURES "/tiny-gpt2");
        QVERIFY2(session_->waitUntilIdle(), qPrintable(session_->lastError()));
        QVERIFY(session_->snapshot());
        QVERIFY(session_->snapshot()->length() >= 6);
        view_ = new AttentionView(session_);
        view_->resize(1400, 900);
        view_->show();
        QCoreApplication::processEvents();
    }

    void cleanupTestCase() {
        delete view_;
        view_ = nullptr;
    }

    void rendersWithTheFixtureModel() {
        view_->grid()->waitUntilReady();
        view_->heatmap()->plot()->replot();
        QVERIFY(drewSomething(view_));
        QVERIFY(drewSomething(view_->heatmap()->plot()));
        QCOMPARE(view_->viewName(), QString("attention"));
        QCOMPARE(view_->plots().size(), 3);
    }

    void heatmapFollowsLayerAndHead() {
        const Capture& c = capture();
        int T = c.T;
        for (int layer = 0; layer < c.layers(); ++layer) {
            for (int head = 0; head < c.heads(); ++head) {
                select(layer, head, T - 1);
                QCOMPARE(view_->layer(), layer);
                QCOMPARE(view_->head(), head);
                expectMapEquals(c.pattern(layer, head)->probs);
            }
        }
        // Distinct heads really differ (a stale map would pass the loop above only if equal).
        QVERIFY((c.pattern(0, 0)->probs - c.pattern(0, 1)->probs).cwiseAbs().maxCoeff() > 1e-3f);
    }

    void averagedHeadsAreTheMeanOfTheHeads() {
        const Capture& c = capture();
        select(1, 2, c.T - 1);
        view_->setAverageHeads(true);
        RowMatrix mean = RowMatrix::Zero(c.T, c.T);
        for (int h = 0; h < c.heads(); ++h) mean += c.pattern(1, h)->probs;
        mean /= float(c.heads());
        expectMapEquals(mean);
        // Each row of the mean still sums to one over the visible keys.
        for (int q = 0; q < c.T; ++q) QVERIFY(std::abs(mean.row(q).sum() - 1.0f) < 1e-5f);
        view_->setAverageHeads(false);
        expectMapEquals(c.pattern(1, 2)->probs);
    }

    void mathPaneShowsTheSelectedRow() {
        const Capture& c = capture();
        const int layer = 1, head = 2, query = 4;
        select(layer, head, query);
        const AttentionMathPane* pane = view_->mathPane();
        QCOMPARE(pane->layer(), layer);
        QCOMPARE(pane->head(), head);
        QCOMPARE(pane->queryPosition(), query);
        const int H = c.heads(), D = int(c.q(layer).cols()) / H;
        const AttentionQueryRow row = c.attentionRow(layer, head, query);
        const auto q = c.q(layer), k = c.k(layer), v = c.v(layer);
        QCOMPARE(int(pane->queryVector().size()), D);
        QCOMPARE(int(pane->scores().size()), query + 1);
        QCOMPARE(pane->table()->model()->rowCount(), query + 1);
        // The table shows the same numbers (sorted by key; weight column formatted to 4 places).
        QAbstractItemModel* rows = pane->table()->model();
        for (int j = 0; j <= query; ++j) {
            QCOMPARE(rows->index(j, 0).data().toInt(), j);
            QCOMPARE(rows->index(j, 4).data().toString(),
                     QString::number(double(row.probs(j)), 'f', 4));
        }
        for (int d = 0; d < D; ++d) {
            QCOMPARE(pane->queryVector()[size_t(d)], q(query, head * D + d));
            QCOMPARE(pane->output()[size_t(d)], row.out(d));
        }
        for (int j = 0; j <= query; ++j) {
            QCOMPARE(pane->scores()[size_t(j)], row.scores(j));
            QCOMPARE(pane->weights()[size_t(j)], row.probs(j));
            // the row is the same as the whole pattern's (the views and the CLI use that)
            QVERIFY(std::abs(row.probs(j) - c.pattern(layer, head)->probs(query, j)) < 1e-6f);
        }
        // The numbers fit together: the weights are softmax(scores), scores = q·k/√D, and the
        // output is Σ_j w_j v_j, recomputed here in double precision from q, k and v.
        double maxScore = -1e30, z = 0;
        for (float s : pane->scores()) maxScore = std::max(maxScore, double(s));
        for (float s : pane->scores()) z += std::exp(double(s) - maxScore);
        for (int j = 0; j <= query; ++j) {
            double qk = 0;
            for (int d = 0; d < D; ++d)
                qk += double(q(query, head * D + d)) * double(k(j, head * D + d));
            QVERIFY(std::abs(qk / std::sqrt(double(D)) - double(pane->scores()[size_t(j)])) < 1e-4);
            double w = std::exp(double(pane->scores()[size_t(j)]) - maxScore) / z;
            QVERIFY(std::abs(w - double(pane->weights()[size_t(j)])) < 1e-5);
        }
        for (int d = 0; d < D; ++d) {
            double out = 0;
            for (int j = 0; j <= query; ++j)
                out += double(pane->weights()[size_t(j)]) * double(v(j, head * D + d));
            QVERIFY(std::abs(out - double(pane->output()[size_t(d)])) < 1e-4);
        }
        // The selected query row is outlined in the heatmap.
        QCOMPARE(view_->heatmap()->highlightedRow(), query);
    }

    void clickingARowSelectsTheQuery() {
        select(0, 0, 0);
        Heatmap* map = view_->heatmap();
        QCustomPlot* plot = map->plot();
        plot->replot();  // lay out the axes so pixel ↔ cell is known
        QPoint pixel(int(plot->xAxis->coordToPixel(1)), int(plot->yAxis->coordToPixel(3)));
        QTest::mouseClick(plot, Qt::LeftButton, {}, pixel);
        QCOMPARE(session_->selectedPosition(), 3);
        QCOMPARE(view_->mathPane()->queryPosition(), 3);
    }

    void gridOpensAHead() {
        AttentionGrid* grid = view_->grid();
        grid->waitUntilReady();
        const Capture& c = capture();
        QCOMPARE(grid->layers(), c.layers());
        QCOMPARE(grid->heads(), c.heads());
        for (int l = 0; l < grid->layers(); ++l)
            for (int h = 0; h < grid->heads(); ++h) {
                QImage image = grid->thumbnail(l, h);
                QCOMPARE(image.width(), std::min(c.T, AttentionGrid::kThumbnailPixels));
            }
        // T ≤ 64: the thumbnail is the map itself; the diagonal's top-left pixel is weight 1.
        QCOMPARE(grid->thumbnail(0, 0).pixel(0, 0),
                 Presentation::instance().heatGradient().color(1.0, QCPRange(0, 1)));
        view_->setAverageHeads(true);
        emit grid->headClicked(1, 3);
        QCoreApplication::processEvents();
        QCOMPARE(session_->selectedLayer(), 1);
        QCOMPARE(session_->selectedHead(), 3);
        QVERIFY(!view_->averageHeads());
        expectMapEquals(c.pattern(1, 3)->probs);
    }

    void stepGrowsTheMapByOneRow() {
        select(1, 1, session_->snapshot()->length() - 1);
        const int before = view_->heatmap()->rows();
        QCOMPARE(before, session_->snapshot()->length());
        session_->greedyStep();
        QVERIFY2(session_->waitUntilIdle(), qPrintable(session_->lastError()));
        QCoreApplication::processEvents();
        QCOMPARE(session_->snapshot()->length(), before + 1);
        QCOMPARE(view_->heatmap()->rows(), before + 1);
        QCOMPARE(view_->heatmap()->colorMap()->data()->keySize(), before + 1);
        QCOMPARE(view_->heatmap()->colorMap()->data()->valueSize(), before + 1);
        expectMapEquals(capture().pattern(1, 1)->probs);
        session_->back();
        QVERIFY(session_->waitUntilIdle());
        QCoreApplication::processEvents();
        QCOMPARE(view_->heatmap()->rows(), before);
    }

    void csvHoldsTheShownMatrix() {
        select(0, 1, 2);
        QStringList lines = view_->csv().split('\n', Qt::SkipEmptyParts);
        const Capture& c = capture();
        QCOMPARE(lines.size(), c.T + 1);
        // Row for query 2: label, then keys 0..2 with values, then empty masked cells.
        QStringList row = lines[3].split(',');
        QCOMPARE(row.size(), c.T + 1);
        for (int k = 0; k <= 2; ++k)
            QVERIFY(std::abs(row[k + 1].toDouble() - double(c.pattern(0, 1)->probs(2, k))) < 1e-7);
        QVERIFY(row[4].isEmpty());
    }

    void survivesAThemeAndZoomChange() {
        Presentation::instance().setDark(true);
        Presentation::instance().setZoom(1.5);
        QCoreApplication::processEvents();
        QVERIFY(drewSomething(view_));
        Presentation::instance().setDark(false);
        Presentation::instance().setZoom(1.0);
        QCoreApplication::processEvents();
    }
};

QTEST_MAIN(AttentionViewTest)
#include "attention_view_test.moc"
