// View 5, output: the next-token distribution as a bar chart of the top-k tokens, with the
// sampling controls (temperature slider 0–2 and number box, top-k, top-p), the entropy, and the
// token that actually came next highlighted. Changing a setting recomputes from the stored
// logits (core sampler, no model run). Clicking a bar forces that token (what-if).
// It shows the distribution after the selected position; at the last position that is the
// live one the next Step samples from.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/tensor.h"
#include "ui/view.h"

class QCPBars;
class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QMouseEvent;
class QSlider;
class QSpinBox;

namespace tscope::ui {

struct Snapshot;

class OutputView : public View {
    Q_OBJECT
  public:
    explicit OutputView(Session* session, QWidget* parent = nullptr);

    QString viewName() const override { return "output"; }
    QString title() const override { return "Output"; }
    QString csv() const override;
    QList<QCustomPlot*> plots() const override { return {plot_}; }
    void restyle() override;

    QCustomPlot* plot() const { return plot_; }
    QCPBars* bars() const { return bars_; }  // one bar per rank, value = probability
    const std::vector<int>& barIds() const { return ids_; }  // token id of each bar, rank order
    int highlightedId() const { return nextId_; }  // the token that came next, −1 if none
    double entropyNats() const { return entropy_; }
    int position() const { return position_; }  // whose next token is shown; −1 if none
    int barCount() const { return barCount_; }
    QPoint barPixel(int rank) const;  // centre of a bar, for tests (rank from 0)
    QString statsText() const;

    QSlider* temperatureSlider() const { return temperatureSlider_; }
    QDoubleSpinBox* temperatureBox() const { return temperatureBox_; }
    // Keeps the probability axis at 0–100 %, so a temperature change visibly flattens the bars.
    QCheckBox* fixedAxisBox() const { return fixedAxis_; }

  public slots:
    void setBarCount(int k);
    void refresh();  // recompute the distribution from the snapshot and settings, redraw

  private:
    void setupControls();
    void setupPlot();
    void syncControls();
    Vector logitsAt(const Snapshot& snapshot, int position) const;
    void showBars(const std::vector<float>& probs);
    void showEmpty(const QString& message);
    int rankAt(const QPointF& pixel) const;
    void onPress(QMouseEvent* event);
    void onMove(QMouseEvent* event);
    void force(int id);

    QCustomPlot* plot_ = nullptr;
    QCPBars* ghost_ = nullptr;  // probability before top-k / top-p (shown when they filter)
    QCPBars* bars_ = nullptr;
    QCPBars* highlight_ = nullptr;  // the next token's bar, drawn over in the accent colour
    QSlider* temperatureSlider_ = nullptr;
    QDoubleSpinBox* temperatureBox_ = nullptr;
    QSpinBox* topK_ = nullptr;
    QDoubleSpinBox* topP_ = nullptr;
    QSpinBox* barCountBox_ = nullptr;
    QCheckBox* fixedAxis_ = nullptr;
    QLabel* stats_ = nullptr;
    QLabel* note_ = nullptr;

    int barCount_ = 20;
    int position_ = -1;
    int nextId_ = -1;
    double entropy_ = 0;
    std::vector<int> ids_;                            // shown ids, by logit (descending)
    std::vector<float> probs_, unfiltered_, logits_;  // of the shown ids
    // ranking cache: the order by logit does not depend on temperature, top-k or top-p
    std::weak_ptr<const Snapshot> rankedSnapshot_;
    int rankedPosition_ = -1;
    std::vector<int> ranking_;
};

}  // namespace tscope::ui
