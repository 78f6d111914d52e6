// Stage 3, the embedding lookup: the token's row of wte plus its position's row of wpe is the
// vector that enters the first block, as numbers and as a strip of colours.
#include <algorithm>
#include <cmath>

#include "ui/presenter/stage_data.h"
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

float largestMagnitude(const std::vector<std::vector<float>>& rows) {
    float range = 0;
    for (const auto& row : rows)
        for (float v : row) range = std::max(range, std::abs(v));
    return range;
}

class EmbeddingStage : public Stage {
  public:
    QString title() const override { return "Embedding lookup"; }
    QString sentence(const StageContext& c, int) const override {
        const int width = c.ready() ? c.snapshot->model->config.n_embd : 0;
        return QString(
                   "Each token id picks a row of %1 learned numbers (wte); its position adds "
                   "another (wpe).")
            .arg(width);
    }
    QString notes() const override {
        return "Pick another token in the normal window (click its chip) to show its row.";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int) const override {
        using stage_data::Which;
        const Snapshot& s = *c.snapshot;
        const int position = std::clamp(c.position, 0, s.length() - 1);
        const int id = s.tokens[size_t(position)].id;
        const QRectF body = sp.body();
        double y = body.top();
        y += sp.chips(QRectF(body.left(), y, body.width(), body.height() / 3), tokenPieces(s),
                      tokenIds(s), position, s.promptTokens);
        y += sp.px(24);
        const std::vector<std::vector<float>> rows = {
            stage_data::embeddingRow(s, position, Which::Token),
            stage_data::embeddingRow(s, position, Which::Position),
            stage_data::embeddingRow(s, position, Which::Sum)};
        const QStringList labels = {QString("wte[%1]  ").arg(id),
                                    QString("+ wpe[%1]  ").arg(position), "= x  "};
        const float range = largestMagnitude(rows);
        const double row = std::min(sp.px(78), (body.bottom() - y) / 3);
        for (int i = 0; i < 3; ++i) {
            const double top = y + row * i;
            sp.numbers(QRectF(body.left(), top, body.width(), row * 0.5), labels[i],
                       rows[size_t(i)]);
            sp.strip(QRectF(body.left(), top + row * 0.48, body.width(), row * 0.32),
                     rows[size_t(i)], range);
        }
    }
};

}  // namespace

std::unique_ptr<Stage> makeEmbeddingStage() {
    return std::make_unique<EmbeddingStage>();
}

}  // namespace tscope::ui
