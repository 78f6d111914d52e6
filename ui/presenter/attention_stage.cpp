// Stage 4, attention: one head's scores q·k/√d with the causal mask, then the softmax weights
// that mix the values, then every head of the layer side by side.
#include <algorithm>

#include "core/model.h"
#include "ui/presenter/stage_data.h"
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kMaxShown = 10;  // the last positions; more would not be readable

// The bottom-right corner of a [T, T] matrix: the last `n` queries and keys.
stage_data::Matrix lastCorner(const stage_data::Matrix& m, int n) {
    const int from = std::max(m.rows - n, 0);
    stage_data::Matrix out{m.rows - from, m.cols - from, {}};
    for (int r = from; r < m.rows; ++r)
        for (int c = from; c < m.cols; ++c) out.values.push_back(m.at(r, c));
    return out;
}

class AttentionStage : public Stage {
  public:
    QString title() const override { return "Attention"; }
    StageSpec spec() const override { return {3, -1}; }
    QString beatName(int beat) const override {
        return QStringList{"Attention: scores", "Attention: softmax", "Attention: all heads"}.value(
            beat);
    }
    QString sentence(const StageContext& c, int beat) const override {
        const int D = c.ready() ? c.snapshot->model->config.headDim() : 0;
        const int H = c.ready() ? c.snapshot->model->config.n_head : 0;
        const QString where = QString("Layer %1, head %2: ").arg(c.layer + 1).arg(c.head + 1);
        if (beat == 0)
            return where + QString(
                               "each query meets the keys of the tokens so far, "
                               "q·k/√%1; the future is masked (−∞).")
                               .arg(D);
        if (beat == 1)
            return where +
                   "softmax turns each row into weights that add up to 1; the output "
                   "is the weighted sum of the values.";
        return QString(
                   "%1 heads, in parallel: each layer looks at the sequence in %1 ways at "
                   "once.")
            .arg(H);
    }
    QString notes() const override {
        return "Rows are the token that looks (query), columns the tokens it looks at (keys). "
               "Change the head with ← → in the normal window.";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int beat) const override {
        const Snapshot& s = *c.snapshot;
        if (beat == 2) return paintAllHeads(sp, c);
        const stage_data::Matrix m = beat == 0 ? stage_data::attentionScores(s, c.layer, c.head)
                                               : stage_data::attentionProbs(s, c.layer, c.head);
        const stage_data::Matrix shown = lastCorner(m, kMaxShown);
        const QStringList labels = tokenPieces(s, s.length() - shown.rows);
        sp.matrix(sp.body(), labels, shown, beat == 1);
    }

  private:
    static void paintAllHeads(StagePainter& sp, const StageContext& c) {
        const Snapshot& s = *c.snapshot;
        const int H = s.model->config.n_head;
        const int columns = std::min(H, H <= 4 ? H : (H + 1) / 2);
        const int rows = (H + columns - 1) / columns;
        const QRectF body = sp.body();
        const double w = body.width() / columns, h = body.height() / rows;
        for (int head = 0; head < H; ++head) {
            const QRectF cell(body.left() + w * (head % columns), body.top() + h * (head / columns),
                              w, h);
            sp.text(cell, QString("head %1").arg(head + 1),
                    sp.font(StagePainter::kSmallPx, head == c.head),
                    head == c.head ? sp.accent() : sp.muted(), Qt::AlignHCenter);
            const double side = std::min(w, h - sp.px(36)) - sp.px(16);
            const QRectF square(cell.center().x() - side / 2, cell.top() + sp.px(34), side, side);
            sp.matrix(square, {},
                      lastCorner(stage_data::attentionProbs(s, c.layer, head), kMaxShown * 2), true,
                      false);
        }
    }
};

}  // namespace

std::unique_ptr<Stage> makeAttentionStage() {
    return std::make_unique<AttentionStage>();
}

}  // namespace tscope::ui
