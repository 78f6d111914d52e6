// Layers: how the residual stream evolves through the blocks.
//  - the residual norm ‖x‖ per layer × position (row 0 = embeddings, row l+1 = after block l);
//  - the strongest MLP neurons (largest |GELU output|) of every layer at the selected position,
//    and the selected layer's whole activation profile;
//  - the logit lens: at every layer (after attention and after the MLP) the top token and its
//    probability at each position, read through ln_f and the unembedding (tscope::logitLens).
// The lens costs one V×C matrix-vector product per cell, so it runs on a worker thread, fills
// the selected and the visible positions first, and keeps columns whose token prefix did not
// change (a step only adds one column).
#pragma once

#include <QTimer>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "core/logit_lens.h"
#include "ui/view.h"

class QLabel;
class QTableView;
class QTableWidget;

namespace tscope::ui {

class Heatmap;
class LensModel;
struct Snapshot;

class LayersView : public View {
    Q_OBJECT
  public:
    static constexpr int kTopNeurons = 8;
    static constexpr int kLensTop = 5;

    LayersView(Session* session, QWidget* parent = nullptr);
    ~LayersView() override;

    QString viewName() const override { return "layers"; }
    QString title() const override { return tr("Layers"); }
    QString csv() const override;
    QList<QCustomPlot*> plots() const override;
    void restyle() override;
    void waitUntilReady() override;  // the lens of the selected and visible positions

    // Shown state, for tests.
    Heatmap* residualNorms() const { return norms_; }
    QTableWidget* neuronTable() const { return neurons_; }
    QTableView* lensTable() const { return lensTable_; }
    // Lens row = 2·layer + (0 after attention, 1 after the MLP). Empty until computed.
    std::optional<TokenScore> lensTop(int row, int position) const;
    void requestLens(const std::vector<int>& positions);  // compute these first
    void waitForLens();  // blocks until the running lens job is done and its columns are in

  protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

  private:
    void onSnapshot();
    void onSelection();
    void fillNorms();
    void fillNeurons();
    void fillProfile();
    void scheduleLens();
    void startLens(std::vector<int> positions);
    void stopLens();
    void onLensColumn(int generation, int position, std::vector<std::vector<TokenScore>> cells);
    std::vector<int> visibleLensColumns() const;

    std::shared_ptr<const Snapshot> snapshot_;
    int position_ = -1, layer_ = -1;
    QLabel* header_;
    Heatmap* norms_;
    QLabel* lensStatus_;
    QTableView* lensTable_;
    LensModel* lens_;
    QLabel* neuronTitle_;
    QTableWidget* neurons_;
    QCustomPlot* profile_;
    QTimer lensTimer_;  // coalesces scroll events into one lens request

    std::thread worker_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    int generation_ = 0;
    std::vector<int> extraPositions_;  // asked for by requestLens()
};

}  // namespace tscope::ui
