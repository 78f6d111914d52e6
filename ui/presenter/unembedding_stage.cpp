// Stage 6, the unembedding: the last position's final vector times wteᵀ gives one score
// (logit) for every token of the vocabulary; the highest ones, with their scores.
#include <algorithm>
#include <cmath>

#include "core/model.h"
#include "core/sampling.h"
#include "ui/presenter/stage_data.h"
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kShown = 8;

class UnembeddingStage : public Stage {
  public:
    QString title() const override { return "Unembedding: a score for every token"; }
    QString sentence(const StageContext& c, int) const override {
        const int V = c.ready() ? c.snapshot->model->config.vocab_size : 0;
        return QString(
                   "The last vector, after a final layer norm, is compared with every row of "
                   "wte: %1 scores (logits).")
            .arg(countText(V));
    }

    void paintBody(StagePainter& sp, const StageContext& c, int) const override {
        const Snapshot& s = *c.snapshot;
        const QRectF body = sp.body();
        const std::vector<float> h = stage_data::finalVector(s);
        const double row = sp.px(44);
        sp.numbers(QRectF(body.left(), body.top(), body.width(), row), "h  ", h);
        float range = 0;
        for (float v : h) range = std::max(range, std::abs(v));
        sp.strip(QRectF(body.left(), body.top() + row, body.width(), sp.px(22)), h, range);
        const int C = s.model->config.n_embd, V = s.model->config.vocab_size;
        sp.text(QRectF(body.left(), body.top() + row + sp.px(34), body.width(), row),
                QString("logits = h · wteᵀ     [1 × %1] · [%1 × %2] = [1 × %2]")
                    .arg(C)
                    .arg(countText(V)),
                sp.font(StagePainter::kBodyPx, false, true), sp.foreground());
        paintTopLogits(sp, s, body.adjusted(0, row * 2 + sp.px(50), 0, 0));
    }

  private:
    // Bars measured from the lowest shown logit, so their differences are visible.
    static void paintTopLogits(StagePainter& sp, const Snapshot& s, const QRectF& area) {
        const std::vector<float> logits = stage_data::lastLogits(s);
        const std::vector<int> top = topIndices(logits, kShown);
        if (top.empty()) return;
        const float floor = logits[size_t(top.back())] - 1.0f;
        QStringList labels, texts;
        std::vector<float> lengths;
        for (int id : top) {
            labels << pieceOf(s, id);
            texts << QString::number(double(logits[size_t(id)]), 'f', 2);
            lengths.push_back(logits[size_t(id)] - floor);
        }
        sp.bars(area, labels, lengths, lengths.front(), 0, texts);
    }
};

}  // namespace

std::unique_ptr<Stage> makeUnembeddingStage() {
    return std::make_unique<UnembeddingStage>();
}

}  // namespace tscope::ui
