// Stage 2, the tokens: first the prompt as typed, then the tokenizer's pieces with their ids,
// and which words it had to split into several tokens.
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"
#include "ui/token_text.h"

namespace tscope::ui {

namespace {

// Words made of more than one token: a piece that starts with a letter continues the word
// before it (GPT-2 pieces carry their leading space).
QStringList splitWords(const QStringList& pieces) {
    QStringList words;
    QString word;
    int parts = 0;
    const auto flush = [&] {
        if (parts > 1) words << QString("%1 (%2 tokens)").arg(word.trimmed()).arg(parts);
        word.clear();
        parts = 0;
    };
    for (const QString& piece : pieces) {
        const bool continues =
            !piece.isEmpty() && piece[0].isLetter() && parts > 0 && word.back().isLetter();
        if (!continues) flush();
        word += QString(piece).replace(QChar(0x00B7), ' ');
        ++parts;
    }
    flush();
    return words;
}

class TokensStage : public Stage {
  public:
    QString title() const override { return "Text becomes tokens"; }
    StageSpec spec() const override { return {2, -1}; }
    QString beatName(int beat) const override { return beat == 0 ? "The prompt" : "Its tokens"; }
    QString sentence(const StageContext& c, int beat) const override {
        if (beat == 0) return "The model never sees letters. It starts from the prompt:";
        return QString(
                   "The tokenizer cuts it into %1 tokens: frequent pieces of text, each with "
                   "its number in the vocabulary.")
            .arg(c.ready() ? c.snapshot->length() : 0);
    }
    QString notes() const override {
        return "· marks a space: it belongs to the token that follows it.";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int beat) const override {
        const Snapshot& s = *c.snapshot;
        const QRectF body = sp.body();
        const QString text = "“" + visibleText(s.text) + "”";
        const double used =
            sp.text(body, text, sp.font(StagePainter::kTitlePx, false, true), sp.foreground());
        if (beat == 0) return;
        const QStringList pieces = tokenPieces(s);
        const QRectF chipArea(body.left(), body.top() + used + sp.px(30), body.width(),
                              body.height() - used - sp.px(30));
        const double chips = sp.chips(chipArea, pieces, tokenIds(s), -1, s.promptTokens);
        const QStringList split = splitWords(pieces);
        if (!split.isEmpty())
            sp.text(
                QRectF(body.left(), chipArea.top() + chips + sp.px(24), body.width(), sp.px(80)),
                "Split into several tokens: " + split.join(", "), sp.font(StagePainter::kBodyPx),
                sp.muted());
    }
};

}  // namespace

std::unique_ptr<Stage> makeTokensStage() {
    return std::make_unique<TokensStage>();
}

}  // namespace tscope::ui
