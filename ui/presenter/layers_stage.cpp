// Stage 5, the layers: the last token's residual stream through every block, its size, and what
// the model would already predict if it stopped there (logit lens).
#include <algorithm>
#include <cmath>

#include "core/model.h"
#include "ui/presenter/stage_data.h"
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kLensTokens = 3;

class LayersStage : public Stage {
  public:
    QString title() const override { return "Through the layers"; }
    QString sentence(const StageContext& c, int) const override {
        const int L = c.ready() ? c.snapshot->model->config.n_layer : 0;
        return QString(
                   "The last token's vector flows through %1 blocks, each adding to it. "
                   "Read early, it already guesses the next token:")
            .arg(L);
    }
    QString notes() const override {
        return "‖x‖ is the length of the residual vector; the tokens are the logit lens: "
               "ln_f and the unembedding applied after that block.";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int) const override {
        const Snapshot& s = *c.snapshot;
        const int L = s.model->config.n_layer, last = s.length() - 1;
        const QRectF body = sp.body();
        const double row = std::min(sp.px(48), body.height() / (L + 2));
        std::vector<float> norms;
        for (int layer = -1; layer < L; ++layer)
            norms.push_back(stage_data::residualNorm(s, layer, last));
        const float largest = *std::max_element(norms.begin(), norms.end());
        const QFont mono = sp.font(StagePainter::kSmallPx, false, true);
        sp.text(QRectF(body.left(), body.top(), body.width(), row),
                "after            ‖x‖              the model would say", mono, sp.muted());
        for (int layer = -1; layer < L; ++layer) {
            const double y = body.top() + row * (layer + 2);
            const QString name = layer < 0 ? "embeddings" : QString("block %1").arg(layer + 1);
            sp.text(QRectF(body.left(), y, sp.px(200), row), name, mono, sp.foreground(),
                    Qt::AlignVCenter);
            const float norm = norms[size_t(layer + 1)];
            const double barWidth = sp.px(150) * (std::isfinite(norm) ? norm / largest : 0);
            sp.painter().setPen(Qt::NoPen);
            sp.painter().setBrush(sp.series());
            sp.painter().drawRect(
                QRectF(body.left() + sp.px(200), y + row * 0.2, barWidth, row * 0.6));
            sp.text(QRectF(body.left() + sp.px(360), y, sp.px(100), row),
                    QString::number(double(norm), 'f', 1), mono, sp.muted(), Qt::AlignVCenter);
            sp.line(QRectF(body.left() + sp.px(470), y, body.width() - sp.px(470), row),
                    lensLine(s, layer, last), mono, layer == L - 1 ? sp.accent() : sp.foreground());
        }
    }

  private:
    static QString lensLine(const Snapshot& s, int layer, int position) {
        QStringList parts;
        for (const TokenScore& t : stage_data::lensTop(s, layer, position, kLensTokens))
            parts << QString("%1 %2").arg(pieceOf(s, t.id), percentText(t.prob));
        return parts.join("   ");
    }
};

}  // namespace

std::unique_ptr<Stage> makeLayersStage() {
    return std::make_unique<LayersStage>();
}

}  // namespace tscope::ui
