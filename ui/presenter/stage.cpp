#include "ui/presenter/stage.h"

#include <QLocale>

#include "core/model.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"
#include "ui/token_text.h"

namespace tscope::ui {

bool StageContext::ready() const {
    return snapshot && snapshot->model && snapshot->length() > 0;
}

int StageContext::capLength() const {
    const int context = ready() ? snapshot->model->config.n_positions : 0;
    return contextCap > 0 ? std::min(contextCap, context) : context;
}

QString Stage::beatName(int beat) const {
    return beat == 0 ? title() : QString("%1 (part %2)").arg(title()).arg(beat + 1);
}

QStringList tokenPieces(const Snapshot& snapshot, int from) {
    QStringList pieces;
    for (int t = std::max(from, 0); t < snapshot.length(); ++t)
        pieces << pieceOf(snapshot, snapshot.tokens[size_t(t)].id);
    return pieces;
}

std::vector<int> tokenIds(const Snapshot& snapshot) {
    return snapshot.ids();
}

QString pieceOf(const Snapshot& snapshot, int id) {
    return tokenPiece(snapshot.model ? snapshot.model->tokenizer.get() : nullptr, id);
}

QString percentText(double p) {
    return QString::number(p * 100, 'f', p < 0.01 ? 2 : 1) + " %";
}

QString countText(long long n) {
    QLocale locale(QLocale::English);
    return locale.toString(n).replace(',', QChar(0x202F));  // a thin space groups the digits
}

std::vector<std::unique_ptr<Stage>> makeStages() {
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(makeModelCardStage());
    stages.push_back(makeTokensStage());
    stages.push_back(makeEmbeddingStage());
    stages.push_back(makeAttentionStage());
    stages.push_back(makeLayersStage());
    stages.push_back(makeUnembeddingStage());
    stages.push_back(makeSoftmaxStage());
    stages.push_back(makeSampleStage());
    stages.push_back(makeFeedBackStage());
    return stages;
}

}  // namespace tscope::ui
