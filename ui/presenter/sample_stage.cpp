// Stage 8, sampling: first the draw is announced with the seed, then (the action beat) one token
// is drawn with those probabilities and shown with its probability.
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

bool lastIsGenerated(const Snapshot& s) {
    return s.length() > s.promptTokens && s.tokens.back().generated;
}

class SampleStage : public Stage {
  public:
    QString title() const override { return "Sample one token"; }
    StageSpec spec() const override { return {2, 1}; }
    QString beatName(int beat) const override {
        return beat == 0 ? "Sample: the draw" : "Sample: the drawn token";
    }
    QString sentence(const StageContext& c, int beat) const override {
        if (beat == 0 || !c.ready())
            return QString(
                       "A random draw with these probabilities picks the next token "
                       "(seed %1: the same seed draws the same tokens).")
                .arg(c.seed);
        if (c.busy) return "Drawing…";
        const Snapshot& s = *c.snapshot;
        if (!lastIsGenerated(s)) return "The context cap is reached: nothing more is drawn.";
        const TokenInfo& t = s.tokens.back();
        return QString("Drawn: “%1”, which had a probability of %2%3.")
            .arg(pieceOf(s, t.id), percentText(t.prob), t.forced ? " (chosen by hand)" : "");
    }
    QString notes() const override {
        return "S samples, G takes the most likely token. Going back from here undoes the draw.";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int beat) const override {
        const Snapshot& s = *c.snapshot;
        const bool drawn = beat == 1 && !c.busy && lastIsGenerated(s);
        const std::vector<float>& probs = drawn ? c.previousDistribution : c.distribution;
        QRectF area = sp.body();
        if (drawn) {
            const double used = sp.text(area, "“" + pieceOf(s, s.tokens.back().id) + "”",
                                        sp.font(StagePainter::kTitlePx * 1.4, true, true),
                                        sp.accent(), Qt::AlignHCenter);
            area.setTop(area.top() + used + sp.px(16));
        }
        paintDistribution(sp, s, probs, area, c.fixedAxis, drawn ? s.tokens.back().id : -1);
    }
};

}  // namespace

std::unique_ptr<Stage> makeSampleStage() {
    return std::make_unique<SampleStage>();
}

}  // namespace tscope::ui
