// Attention: one head's T×T weights as a heatmap (rows = queries, columns = keys, the masked
// future hatched), the small multiples of every head, and the math of the selected query row.
// Follows the session's layer / head / position selection and sets it from its controls. The
// heatmap is filled once per (snapshot, layer, head) change; selecting a query only moves the
// outline and refills the math pane, so it stays usable at T = 1024.
#pragma once

#include <memory>

#include "core/tensor.h"
#include "ui/view.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSpinBox;
class QSplitter;

namespace tscope::ui {

class AttentionGrid;
class AttentionMathPane;
class Heatmap;
struct Snapshot;

class AttentionView : public View {
    Q_OBJECT
  public:
    AttentionView(Session* session, QWidget* parent = nullptr);

    QString viewName() const override { return "attention"; }
    QString title() const override { return tr("Attention"); }
    QString csv() const override;
    QList<QCustomPlot*> plots() const override;
    void restyle() override;
    void waitUntilReady() override;

    // Shown state, for tests and the benchmark.
    int layer() const { return layer_; }
    int head() const { return head_; }
    bool averageHeads() const { return average_; }
    void setAverageHeads(bool on);
    Heatmap* heatmap() const { return heatmap_; }
    AttentionGrid* grid() const { return grid_; }
    AttentionMathPane* mathPane() const { return math_; }

  private:
    void onSnapshot();
    void onSelection();
    void rebuildSelectors();
    void rebuildHeatmap();
    void updateQuery();
    QString cellTooltip(int query, int key) const;

    std::shared_ptr<const Snapshot> snapshot_;
    QComboBox* layerBox_;
    QComboBox* headBox_;
    QCheckBox* averageBox_;
    QLabel* summary_;
    Heatmap* heatmap_;
    AttentionGrid* grid_;
    AttentionMathPane* math_;
    QSplitter* splitter_;
    QStringList labels_;
    RowMatrix shown_;  // [T, T] what the heatmap holds: one head, or the mean of the layer's heads
    int layer_ = -1, head_ = -1, query_ = -1;
    bool average_ = false;
    int shownLayer_ = -1, shownHead_ = -1, shownT_ = -1;
    bool shownAverage_ = false;
    const Snapshot* shownSnapshot_ = nullptr;
};

}  // namespace tscope::ui
