#include "ui/head_score_text.h"

namespace tscope::ui {

QString headScoreDefinition(HeadScore score) {
    switch (score) {
        case HeadScore::PrevToken:
            return QString::fromUtf8("mean over rows i ≥ 1 of A[i, i−1]");
        case HeadScore::FirstToken:
            return QString::fromUtf8("mean over rows i ≥ 1 of A[i, 0]");
        case HeadScore::Self:
            return QString::fromUtf8("mean over all rows i of A[i, i]");
        case HeadScore::DuplicateToken:
            return QString::fromUtf8(
                "mean, over the rows i that have some j < i with t[j] = t[i], of the sum of "
                "A[i, j] over those j");
        case HeadScore::Induction:
            return QString::fromUtf8(
                "mean, over the rows i that have some 1 ≤ j ≤ i−1 with t[j−1] = t[i], of the sum "
                "of A[i, j] over those j");
        case HeadScore::Entropy:
            return QString::fromUtf8("mean over rows i ≥ 1 of −Σ_j A[i, j] ln A[i, j] (nats)");
    }
    return {};
}

QString headScorePreamble() {
    return QString::fromUtf8("For a head with attention probabilities A [T×T] on token ids t:");
}

QString headScoreNullRule() {
    return "Rows where a score has no target are left out of its mean; a score with no row at "
           "all is null.";
}

QString headScoreLabel(HeadScore score) {
    return QString::fromLatin1(tscope::headScoreName(score));
}

}  // namespace tscope::ui
