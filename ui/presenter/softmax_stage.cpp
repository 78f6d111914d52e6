// Stage 7, softmax with temperature: the next-token probabilities as bars. The probability axis
// stays at 0–100 % (unless the presenter switches that off), so turning the temperature up
// visibly flattens the bars and turning it down sharpens them.
#include <algorithm>

#include "core/sampling.h"
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kShown = 10;

class SoftmaxStage : public Stage {
  public:
    QString title() const override { return "Softmax with temperature"; }
    QString sentence(const StageContext& c, int) const override {
        return QString(
                   "p = exp(logit / T) / Σ exp(logit / T), here with T = %1. "
                   "Higher T flattens, lower T sharpens.")
            .arg(double(c.sampling.temperature), 0, 'f', 2);
    }
    QString notes() const override {
        return "T / Shift+T (or + / −) change the temperature; A switches the fixed 0–100 % "
               "axis on and off.";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int) const override {
        paintDistribution(sp, *c.snapshot, c.distribution, sp.body(), c.fixedAxis, -1);
    }
};

}  // namespace

// Shared with the sample stage: the top bars of a distribution, `drawn` highlighted.
void paintDistribution(StagePainter& sp, const Snapshot& s, const std::vector<float>& probs,
                       const QRectF& area, bool fixedAxis, int drawn) {
    std::vector<int> top = topIndices(probs, kShown);
    if (drawn >= 0 && std::find(top.begin(), top.end(), drawn) == top.end()) top.back() = drawn;
    QStringList labels, texts;
    std::vector<float> values;
    int highlight = -1;
    for (size_t i = 0; i < top.size(); ++i) {
        labels << pieceOf(s, top[i]);
        values.push_back(probs[size_t(top[i])]);
        texts << percentText(values.back());
        if (top[i] == drawn) highlight = int(i);
    }
    const float axis = fixedAxis || values.empty() ? 1.0f : std::max(values.front(), 1e-6f);
    sp.bars(area, labels, values, axis, highlight, texts);
}

std::unique_ptr<Stage> makeSoftmaxStage() {
    return std::make_unique<SoftmaxStage>();
}

}  // namespace tscope::ui
