// Stage 9, feed back: the drawn token joins the sequence and the whole walk starts again with
// one more token, until the context cap the presenter set.
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"
#include "ui/token_text.h"

namespace tscope::ui {

namespace {

class FeedBackStage : public Stage {
  public:
    QString title() const override { return "Feed it back"; }
    QString sentence(const StageContext& c, int) const override {
        if (!c.ready()) return {};
        const int length = c.snapshot->length(), cap = c.capLength();
        if (length >= cap)
            return QString(
                       "%1 tokens: the cap of this demo. One token at a time, that is how "
                       "the whole text was written.")
                .arg(length);
        return QString(
                   "The new token joins the sequence (%1 of %2 tokens) and the walk starts "
                   "again%3.")
            .arg(length)
            .arg(cap)
            .arg(c.quickLoop ? " at the softmax" : " from the tokens");
    }
    QString notes() const override {
        return "Q switches between the full loop (back to the tokens) and quick steps (back to "
               "the softmax).";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int) const override {
        const Snapshot& s = *c.snapshot;
        const QRectF body = sp.body();
        const double used = sp.text(body, "“" + visibleText(s.text) + "”",
                                    sp.font(StagePainter::kBodyPx, false, true), sp.foreground());
        sp.chips(body.adjusted(0, used + sp.px(24), 0, 0), tokenPieces(s), tokenIds(s),
                 s.length() - 1, s.promptTokens);
    }
};

}  // namespace

std::unique_ptr<Stage> makeFeedBackStage() {
    return std::make_unique<FeedBackStage>();
}

}  // namespace tscope::ui
