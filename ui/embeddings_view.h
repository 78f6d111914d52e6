// Embeddings: for the selected position t with token id, the token embedding wte[id], the
// position embedding wpe[t] and their sum (the block input), as heat strips and as a bar chart;
// the nearest vocabulary tokens by cosine similarity; and word arithmetic ("king - man +
// woman"). Vectors come from the snapshot's capture; the searches read wte (one matrix-vector
// product each, only when the token or the expression changes, never on hover).
#pragma once

#include <memory>
#include <vector>

#include "core/tensor.h"
#include "ui/vector_math.h"
#include "ui/view.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace tscope {
struct Model;
}

namespace tscope::ui {

class Heatmap;
struct Snapshot;

class EmbeddingsView : public View {
    Q_OBJECT
  public:
    EmbeddingsView(Session* session, QWidget* parent = nullptr);

    QString viewName() const override { return "embeddings"; }
    QString title() const override { return tr("Embeddings"); }
    QString csv() const override;
    QList<QCustomPlot*> plots() const override;
    void restyle() override;

    // Shown state, for tests.
    int position() const { return position_; }
    Heatmap* strips() const { return strips_; }  // rows: token, position, sum
    QCustomPlot* barPlot() const { return bars_; }
    const std::vector<Neighbour>& nearest() const { return nearest_; }
    const std::vector<Neighbour>& arithmeticResult() const { return arithmetic_; }
    QString arithmeticMessage() const;
    void setArithmetic(const QString& expression);  // sets the box and evaluates it

  private:
    void onSnapshot();
    void onSelection();
    void showPosition();
    void updateNearest();
    void runArithmetic();
    const Vector& wteNorms();
    QString dimTooltip(int dim) const;
    void fillNeighbours(QTableWidget* table, const std::vector<Neighbour>& rows);

    std::shared_ptr<const Snapshot> snapshot_;
    int position_ = -1, tokenId_ = -1;
    std::vector<float> tok_, pos_, sum_;  // [C] each: what is on screen
    QLabel* header_;
    Heatmap* strips_;
    QCustomPlot* bars_;
    QComboBox* nearestOf_;
    QTableWidget* nearestTable_;
    QLineEdit* expression_;
    QLabel* arithmeticStatus_;
    QTableWidget* arithmeticTable_;
    std::vector<Neighbour> nearest_, arithmetic_;
    std::shared_ptr<const Model> normsModel_;
    Vector norms_;  // ‖wte[v]‖ of normsModel_
    int hoverDim_ = -1;
};

}  // namespace tscope::ui
