// Stage 1, the model card: the hyper-parameters of the talk's GPT-2 slide for the loaded model,
// the parameter count and where the parameters live.
#include <QPainter>

#include "core/model.h"
#include "ui/presenter/stage_data.h"
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

QString millions(int64_t n) {
    return n >= 1'000'000 ? QString::number(double(n) / 1e6, 'f', 1) + " M" : countText(n);
}

class ModelCardStage : public Stage {
  public:
    QString title() const override { return "The model"; }
    QString sentence(const StageContext& c, int) const override {
        if (!c.ready()) return "GPT-2: a stack of identical blocks over a vocabulary of tokens.";
        const auto card = stage_data::modelCard(*c.snapshot->model);
        return QString(
                   "GPT-2 here is %1 identical blocks, %2 numbers wide, over a vocabulary of "
                   "%3 tokens.")
            .arg(card.layers)
            .arg(card.width)
            .arg(countText(card.vocab));
    }
    QString notes() const override {
        return "The same architecture as GPT-2 small (124 M), only smaller: every number on the "
               "following screens is computed live by this model.";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int) const override {
        const auto card = stage_data::modelCard(*c.snapshot->model);
        const QRectF body = sp.body();
        const double row = sp.px(52);
        const QList<std::pair<QString, QString>> rows = {
            {"n_vocab", countText(card.vocab) + "  tokens it knows"},
            {"n_ctx", countText(card.context) + "  positions it can see"},
            {"n_embd", countText(card.width) + "  numbers per token"},
            {"n_head", QString::number(card.heads) + "  attention heads per block"},
            {"n_layer", QString::number(card.layers) + "  blocks"},
        };
        const double left = body.width() * 0.55;
        for (int i = 0; i < rows.size(); ++i) {
            const QRectF line(body.left(), body.top() + row * i, left, row);
            sp.text(line, rows[i].first, sp.font(StagePainter::kBodyPx, true, true), sp.muted());
            sp.text(line.adjusted(sp.px(150), 0, 0, 0), rows[i].second,
                    sp.font(StagePainter::kBodyPx), sp.foreground());
        }
        paintParameters(
            sp, card,
            QRectF(body.left() + left, body.top(), body.width() - left, row * rows.size()));
        sp.text(QRectF(body.left(), body.top() + row * rows.size() + sp.px(20), body.width(),
                       sp.px(80)),
                "GPT-2 small, for comparison: 50 257 · 1 024 · 768 · 12 heads · 12 layers · "
                "124 M parameters",
                sp.font(StagePainter::kSmallPx), sp.muted());
    }

  private:
    // The total, then one bar per place the parameters live.
    static void paintParameters(StagePainter& sp, const stage_data::ModelCard& card,
                                const QRectF& area) {
        double y = area.top();
        y += sp.text(QRectF(area.left(), y, area.width(), sp.px(70)),
                     millions(card.parameters) + " parameters",
                     sp.font(StagePainter::kTitlePx, true), sp.accent());
        const QList<std::pair<QString, int64_t>> parts = {{"embeddings", card.embeddings},
                                                          {"attention", card.attention},
                                                          {"MLP", card.mlp},
                                                          {"layer norms", card.layerNorms}};
        const double total = double(std::max<int64_t>(card.parameters, 1));
        const double row = (area.bottom() - y - sp.px(10)) / parts.size();
        for (int i = 0; i < parts.size(); ++i) {
            const double top = y + sp.px(10) + row * i;
            const double share = double(parts[i].second) / total;
            sp.painter().setPen(Qt::NoPen);
            sp.painter().setBrush(sp.series());
            sp.painter().drawRect(QRectF(area.left(), top + row * 0.1,
                                         std::max(sp.px(3), area.width() * 0.35 * share),
                                         row * 0.8));
            sp.text(QRectF(area.left() + area.width() * 0.38, top, area.width() * 0.62, row),
                    QString("%1  %2").arg(parts[i].first, percentText(share)),
                    sp.font(StagePainter::kSmallPx), sp.foreground(), Qt::AlignVCenter);
        }
    }
};

}  // namespace

std::unique_ptr<Stage> makeModelCardStage() {
    return std::make_unique<ModelCardStage>();
}

}  // namespace tscope::ui
