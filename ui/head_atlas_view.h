// Head atlas: what kind of head each of the L × H heads is. One L × H heatmap of the chosen
// head-role score (core/head_scores.h) on the current prompt or on the standard probe (a
// repeated random sequence, N tokens twice, averaged over seeds), with a sortable list beside
// it. Hovering shows the value; clicking a head opens it in the Attention view; Ctrl+click (or
// the list's "ablate" box) ablates it. Heads the literature reports for GPT-2 small are marked
// "R" when the open model is GPT-2 small (core/reported_heads.h), ablated heads "✕".
// Scores are computed on a worker thread, only while the view is shown.
#pragma once

#include <memory>
#include <optional>

#include "core/head_scores.h"
#include "core/reported_heads.h"
#include "ui/view.h"

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace tscope::ui {

class BackgroundJob;
class CellMarks;
class Heatmap;
struct Snapshot;

class HeadAtlasView : public View {
    Q_OBJECT
  public:
    enum class Source { Prompt, Probe };

    HeadAtlasView(Session* session, QWidget* parent = nullptr);
    ~HeadAtlasView() override;

    QString viewName() const override { return "heads"; }
    QString title() const override { return tr("Head atlas"); }
    QString csv() const override;
    QList<QCustomPlot*> plots() const override;
    void restyle() override;
    void waitUntilReady() override;
    QString setOption(const QString& key, const QString& value) override;

    void setScore(HeadScore score);
    HeadScore score() const { return score_; }
    void setSource(Source source);
    Source source() const { return source_; }
    void setProbe(int n, int seeds);  // N random tokens, averaged over this many seeds

    // Shown state, for tests.
    Heatmap* heatmap() const { return heatmap_; }
    QTableWidget* table() const { return table_; }
    const CellMarks& marks() const { return *marks_; }
    const HeadScoreGrid* shownGrid() const;  // null while computing
    const std::vector<ReportedHead>& reported() const { return reported_; }
    QString statusText() const;

  signals:
    void openHeadRequested(int layer, int head);  // show it in the Attention view

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    void onSnapshot();
    void onModel();
    void compute();
    void computePrompt();
    void computeProbe();
    void redraw();
    void fillTable(const HeadScoreGrid& grid);
    void updateMarks();
    void onCellClicked(int layer, int head);
    QString cellTooltip(int layer, int head) const;
    QString reportedRole(int layer, int head) const;

    std::shared_ptr<const Snapshot> snapshot_;
    std::optional<HeadScoreGrid> promptGrid_, probeGrid_;
    bool promptDirty_ = true, probeDirty_ = true;
    HeadScore score_ = HeadScore::PrevToken;
    Source source_ = Source::Prompt;
    std::vector<ReportedHead> reported_;

    QComboBox* scoreBox_;
    QComboBox* sourceBox_;
    QSpinBox* probeN_;
    QSpinBox* probeSeeds_;
    QLabel* definition_;
    QLabel* status_;
    QPushButton* cancel_;
    Heatmap* heatmap_;
    std::unique_ptr<CellMarks> marks_;
    QTableWidget* table_;
    BackgroundJob* promptJob_;
    BackgroundJob* probeJob_;
    bool fillingTable_ = false;
};

}  // namespace tscope::ui
