// The arithmetic of one attention row. For query position t of head h in layer l:
//   q = q_t (the head's slice, [D]),   s_j = q·k_j / √D  (j ≤ t),   w = softmax(s),
//   out = Σ_j w_j v_j  (the head's output, [D], before c_proj).
// Every number shown comes from the capture (q, scores, probs, headOut); the pane only adds the
// intermediate exp(s_j − max s) of the softmax. q and out are heat strips, one table row per key.
#pragma once

#include <QList>
#include <QString>
#include <QWidget>
#include <vector>

class QCustomPlot;
class QLabel;
class QTableView;

namespace tscope::ui {

class Heatmap;
class KeyRowsModel;
struct Snapshot;

class AttentionMathPane : public QWidget {
    Q_OBJECT
  public:
    explicit AttentionMathPane(QWidget* parent = nullptr);

    void showRow(const Snapshot& snapshot, int layer, int head, int query);
    void clear();
    void restyle();

    // What is on screen: q [D], scores and weights [query + 1] in key order, out [D].
    int layer() const { return layer_; }
    int head() const { return head_; }
    int queryPosition() const { return query_; }
    const std::vector<float>& queryVector() const { return q_; }
    const std::vector<float>& scores() const { return scores_; }
    const std::vector<float>& weights() const { return weights_; }
    const std::vector<float>& output() const { return out_; }
    QTableView* table() const { return table_; }
    QList<QCustomPlot*> plots() const;
    QString csv() const;

  signals:
    void keyActivated(int key);  // a key row was clicked

  private:
    QLabel* title_;
    QLabel* formula_;
    QLabel* qCaption_;
    QLabel* outCaption_;
    QLabel* footer_;
    Heatmap* qStrip_;
    Heatmap* outStrip_;
    QTableView* table_;
    KeyRowsModel* rows_;
    int layer_ = -1, head_ = -1, query_ = -1;
    std::vector<float> q_, scores_, weights_, out_;
    QStringList keyLabels_;
};

}  // namespace tscope::ui
