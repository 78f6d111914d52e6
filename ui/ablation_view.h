// Ablation: remove the heads chosen in the Head atlas or the all-heads grid (Ctrl+click) from
// the forward pass, zero- or mean-ablated (core/ablation.h), and compare. Side by side: the
// next-token distribution before and after; below, the chosen token's probability and
// log-probability and the loss of the prompt text before → after. A sweep ablates each head
// alone and shows the change of the chosen metric as an L × H heatmap, with progress and
// cancel. Ablated heads are marked ✕ on the sweep map too. All model runs are off the GUI thread.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/ablation.h"
#include "ui/view.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace tscope::ui {

class BackgroundJob;
class CellMarks;
class Heatmap;
class TokenBars;
struct Snapshot;

class AblationView : public View {
    Q_OBJECT
  public:
    AblationView(Session* session, QWidget* parent = nullptr);
    ~AblationView() override;

    QString viewName() const override { return "ablation"; }
    QString title() const override { return tr("Ablation"); }
    QString csv() const override;
    QList<QCustomPlot*> plots() const override;
    void restyle() override;
    void waitUntilReady() override;
    QString setOption(const QString& key, const QString& value) override;

    // The chosen token: text of one token, "#id", or empty for the top token before ablation.
    void setTokenText(const QString& text);
    void startSweep(AblationMetric metric);
    void cancelSweep();

    // Shown state, for tests.
    const std::optional<AblationEffect>& effect() const { return effect_; }
    TokenBars* beforeBars() const { return before_; }
    TokenBars* afterBars() const { return after_; }
    Heatmap* sweepMap() const { return sweepMap_; }
    const CellMarks& sweepMarks() const { return *marks_; }
    QString numbersText() const;
    QString sweepStatus() const;
    bool sweepRunning() const;

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    void onSnapshot();
    void onAblation();
    void computeEffect();
    void startEffect();
    void showEffect();
    void showSweep(const std::vector<std::vector<double>>& grid, AblationMetric metric);
    void updateMarks();
    std::optional<int> chosenToken(QString* error) const;
    QString metricName(AblationMetric metric) const;

    std::shared_ptr<const Snapshot> snapshot_;
    std::optional<AblationEffect> effect_;
    bool effectDirty_ = true;
    std::vector<std::vector<double>> sweep_;  // [L][H], empty until a sweep finished
    AblationMetric sweepMetric_ = AblationMetric::LogProb;

    QLabel* heads_;
    QPushButton* clear_;
    QComboBox* mode_;
    QLineEdit* token_;
    TokenBars* before_;
    TokenBars* after_;
    QLabel* numbers_;
    QComboBox* metric_;
    QPushButton* sweepButton_;
    QPushButton* cancelButton_;
    QProgressBar* progress_;
    QLabel* sweepStatus_;
    Heatmap* sweepMap_;
    std::unique_ptr<CellMarks> marks_;
    BackgroundJob* effectJob_;
    BackgroundJob* sweepJob_;
};

}  // namespace tscope::ui
