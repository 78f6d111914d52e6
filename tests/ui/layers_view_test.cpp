// Layers view on the fixture model: residual-norm cells are the norms of the capture's rows,
// the logit lens after the last MLP is the model's own prediction (argmax and softmax of the
// logits at that position), the neuron table lists the largest |GELU outputs|, and a Step keeps
// the lens columns of unchanged positions while adding the new one.
#include <qcustomplot.h>

#include <QTableView>
#include <QTableWidget>
#include <QtTest>
#include <cmath>

#include "core/model.h"
#include "ui/heatmap.h"
#include "ui/layers_view.h"
#include "ui/session.h"
#include "ui_test_util.h"

using namespace tscope;
using namespace tscope::ui;

namespace {

bool drewSomething(QWidget* widget) {
    QImage image = widget->grab().toImage();
    if (image.isNull() || image.width() < 10 || image.height() < 10) return false;
    QRgb first = image.pixel(0, 0);
    int differing = 0;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7) differing += image.pixel(x, y) != first;
    return differing > 50;
}

double norm(const auto& row) {
    double s = 0;
    for (Eigen::Index i = 0; i < row.size(); ++i) s += double(row[i]) * double(row[i]);
    return std::sqrt(s);
}

// argmax and its softmax probability, in double precision.
std::pair<int, double> prediction(const auto& logits) {
    int best = 0;
    for (Eigen::Index v = 1; v < logits.size(); ++v)
        if (logits[v] > logits[best]) best = int(v);
    double z = 0;
    for (Eigen::Index v = 0; v < logits.size(); ++v)
        z += std::exp(double(logits[v]) - double(logits[best]));
    return {best, 1.0 / z};
}

}  // namespace

class LayersViewTest : public QObject {
    Q_OBJECT
  private:
    Session* session_ = nullptr;
    LayersView* view_ = nullptr;

    const Capture& capture() const { return session_->snapshot()->capture; }

  private slots:
    void initTestCase() {
        session_ = new Session(this);
        session_->setPrompt("The power clapper went straight to jail");
        session_->openModel(TSCOPE_FIXTURES "/tiny-gpt2");
        QVERIFY2(session_->waitUntilIdle(), qPrintable(session_->lastError()));
        view_ = new LayersView(session_);
        view_->resize(1400, 900);
        view_->show();
        QCoreApplication::processEvents();
        view_->waitForLens();
    }

    void cleanupTestCase() {
        delete view_;
        view_ = nullptr;
    }

    void renders() {
        view_->residualNorms()->plot()->replot();
        QVERIFY(drewSomething(view_));
        QVERIFY(drewSomething(view_->residualNorms()->plot()));
        QCOMPARE(view_->viewName(), QString("layers"));
    }

    void residualNormCellsAreRowNorms() {
        const Capture& c = capture();
        Heatmap* map = view_->residualNorms();
        const int L = c.layers();
        QCOMPARE(map->rows(), L + 1);
        QCOMPARE(map->cols(), c.T);
        QCPColorMapData* data = map->colorMap()->data();
        for (int t = 0; t < c.T; ++t) {
            // embed.sum = wte[token] + wpe[position], straight from the weights
            const Model& model = c.model();
            const RowVector x =
                test::fileWte(model).row(c.tokens()[size_t(t)]) + model.weights.wpe.map().row(t);
            QVERIFY(std::abs(data->cell(t, 0) - norm(x)) < 1e-4);
            for (int l = 0; l < L; ++l)
                QVERIFY(std::abs(data->cell(t, l + 1) - norm(c.residPost(l).row(t))) < 1e-4);
        }
    }

    // Norms spanning about one decade (3..50): the colour scale's ticks must stay spread out on
    // the log axis (1-2-5 steps), not QCustomPlot's linear fallback of 10, 20, 30, 40, 50.
    void logScaleTicksSpreadOverAShortRange() {
        Heatmap map;
        map.resize(300, 400);
        map.setLogarithmic(true);
        const std::vector<float> norms = {3, 7, 12, 25, 50, 41};
        map.setValues(norms.data(), 2, 3);
        map.show();
        map.plot()->replot(QCustomPlot::rpImmediateRefresh);
        const QVector<double> ticks = map.colorScale()->axis()->tickVector();
        QVERIFY2(ticks.size() >= 2, qPrintable(QString("%1 ticks").arg(ticks.size())));
        for (int i = 1; i < ticks.size(); ++i)
            QVERIFY2(ticks[i] / ticks[i - 1] >= 2 - 1e-9,
                     qPrintable(QString("ticks %1 then %2").arg(ticks[i - 1]).arg(ticks[i])));
    }

    void logitLensAfterTheLastBlockIsTheModelsPrediction() {
        const Capture& c = capture();
        const int L = c.layers(), lastRow = 2 * L - 1;
        view_->waitForLens();
        auto [id, prob] = prediction(c.logitsLast());
        auto top = view_->lensTop(lastRow, c.T - 1);
        QVERIFY(top.has_value());
        QCOMPARE(top->id, id);
        QVERIFY(std::abs(double(top->prob) - prob) < 1e-4);
        // Earlier positions against every position's logits.
        const RowMatrix logits = c.logits(0, c.T);  // [T,V]
        for (int t = 0; t < c.T - 1; ++t) {
            auto [idT, probT] = prediction(logits.row(t));
            auto cell = view_->lensTop(lastRow, t);
            QVERIFY(cell.has_value());
            QCOMPARE(cell->id, idT);
            QVERIFY(std::abs(double(cell->prob) - probT) < 1e-4);
        }
        // Every row of the grid is filled, and it is what the table shows.
        for (int row = 0; row < 2 * L; ++row) QVERIFY(view_->lensTop(row, 0).has_value());
        QAbstractItemModel* model = view_->lensTable()->model();
        QCOMPARE(model->rowCount(), 2 * L);
        QCOMPARE(model->columnCount(), c.T);
        QVERIFY(model->data(model->index(lastRow, c.T - 1))
                    .toString()
                    .contains(tokenLabel(session_->snapshot()->model->tokenizer.get(), id, 10)));
    }

    // The grid shows as many whole columns as fit, each wide enough for a probability.
    void logitLensGridShowsSeveralReadableColumns() {
        QTableView* table = view_->lensTable();
        const int T = capture().T;
        QVERIFY(T >= 4);
        const int first = table->columnAt(0);
        int last = table->columnAt(table->viewport()->width() - 1);
        if (last < 0) last = T - 1;  // the columns end inside the viewport
        QVERIFY2(last - first + 1 >= 4, qPrintable(QString("%1..%2").arg(first).arg(last)));
        const int needed = table->fontMetrics().horizontalAdvance("99.9%");
        for (int t = first; t <= last; ++t) QVERIFY(table->columnWidth(t) > needed);
    }

    void neuronTableListsTheStrongestActivations() {
        const Capture& c = capture();
        const int t = 2;
        session_->selectPosition(t);
        QCoreApplication::processEvents();
        QTableWidget* table = view_->neuronTable();
        QCOMPARE(table->rowCount(), c.layers());
        for (int l = 0; l < c.layers(); ++l) {
            const RowVector act = c.mlpRows(l, 0, c.T).act.row(t);  // all rows, then row t
            int best = 0;
            for (Eigen::Index i = 1; i < act.size(); ++i)
                if (std::abs(act[i]) > std::abs(act[best])) best = int(i);
            QCOMPARE(table->item(l, 0)->data(Qt::UserRole).toInt(), best);
            QCOMPARE(table->item(l, 0)->data(Qt::UserRole + 1).toDouble(), double(act[best]));
            // Descending |value| along the row.
            for (int k = 1; k < table->columnCount(); ++k)
                QVERIFY(std::abs(table->item(l, k)->data(Qt::UserRole + 1).toDouble()) <=
                        std::abs(table->item(l, k - 1)->data(Qt::UserRole + 1).toDouble()));
        }
    }

    void stepAddsALensColumnAndKeepsTheOthers() {
        view_->waitForLens();
        const int T = capture().T;
        auto before = view_->lensTop(0, 1);
        QVERIFY(before.has_value());
        session_->greedyStep();
        QVERIFY2(session_->waitUntilIdle(), qPrintable(session_->lastError()));
        QCoreApplication::processEvents();
        QCOMPARE(capture().T, T + 1);
        // Kept without recomputation: available before the worker has delivered anything new.
        auto kept = view_->lensTop(0, 1);
        QVERIFY(kept.has_value());
        QCOMPARE(kept->id, before->id);
        QCOMPARE(kept->prob, before->prob);
        view_->waitForLens();
        auto [id, prob] = prediction(capture().logitsLast());
        auto last = view_->lensTop(2 * capture().layers() - 1, T);
        QVERIFY(last.has_value());
        QCOMPARE(last->id, id);
        QCOMPARE(view_->residualNorms()->cols(), T + 1);
        session_->back();
        QVERIFY(session_->waitUntilIdle());
        QCoreApplication::processEvents();
        QCOMPARE(view_->residualNorms()->cols(), T);
    }

    void csvHasTheThreeTables() {
        QString csv = view_->csv();
        QVERIFY(csv.startsWith("residual_norm,"));
        QVERIFY(csv.contains("\nlens,"));
        QVERIFY(csv.contains("\nneurons at position"));
    }
};

QTEST_MAIN(LayersViewTest)
#include "layers_view_test.moc"
