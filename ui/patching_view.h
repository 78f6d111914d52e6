// Activation patching: a clean and a corrupted prompt of the same token length and two answer
// tokens (right, wrong). For every cell the corrupted run is repeated with one activation taken
// from the clean run (core/patching.h): the residual entering block l at position p (an L × T
// grid) and each head's output (L × H). Each cell shows the recovery of
// ld = logit[right] − logit[wrong]: 0 = as corrupted, 1 = as clean. Clicking a cell shows that
// patched run's top tokens next to the clean and corrupted runs'. Runs off the GUI thread with
// progress and cancel.
#pragma once

#include <memory>
#include <optional>

#include "core/patching.h"
#include "ui/view.h"

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace tscope::ui {

class BackgroundJob;
class Heatmap;
class TokenBars;

class PatchingView : public View {
    Q_OBJECT
  public:
    PatchingView(Session* session, QWidget* parent = nullptr);
    ~PatchingView() override;

    QString viewName() const override { return "patching"; }
    QString title() const override { return tr("Patching"); }
    QString csv() const override;
    QList<QCustomPlot*> plots() const override;
    void restyle() override;
    void waitUntilReady() override;
    QString setOption(const QString& key, const QString& value) override;

    void setInputs(const QString& clean, const QString& corrupt, const QString& right,
                   const QString& wrong);
    void run();  // both grids; a clear message instead when the inputs do not fit
    void cancel();
    // The patched run of one cell: residual grid (what = Residual, index = position) or head grid.
    void showCell(PatchTarget what, int layer, int index);

    // Shown state, for tests.
    Heatmap* residualMap() const { return residualMap_; }
    Heatmap* headMap() const { return headMap_; }
    TokenBars* patchedBars() const { return patchedBars_; }
    QString message() const;
    bool running() const;

  private:
    struct Run;  // the patcher and what it is for, shared with the worker
    void showRunBars();
    QString cellTooltip(const Heatmap* map, PatchTarget what, int layer, int index) const;
    void setMessage(const QString& text);

    std::shared_ptr<Run> run_;
    std::optional<PatchGrid> residual_, heads_;
    QStringList tokenLabels_;  // [T] clean tokens, "clean/corrupt" where they differ

    QLineEdit* clean_;
    QLineEdit* corrupt_;
    QLineEdit* right_;
    QLineEdit* wrong_;
    QPushButton* runButton_;
    QPushButton* cancelButton_;
    QProgressBar* progress_;
    QLabel* message_;
    Heatmap* residualMap_;
    Heatmap* headMap_;
    TokenBars* cleanBars_;
    TokenBars* corruptBars_;
    TokenBars* patchedBars_;
    BackgroundJob* gridJob_;
    BackgroundJob* cellJob_;
};

}  // namespace tscope::ui
