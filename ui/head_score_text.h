// The six head-role scores in words, exactly as issue 10 defines them: the atlas's tooltips and
// the help dialog print these, so the app says what its numbers are.
#pragma once

#include <QString>

#include "core/head_scores.h"

namespace tscope::ui {

// "mean over rows i ≥ 1 of A[i, i−1]" for prev_token, and so on.
QString headScoreDefinition(HeadScore score);
// "for a head with attention probabilities A [T×T] on token ids t" …
QString headScorePreamble();
QString headScoreNullRule();              // rows without a target, and null scores
QString headScoreLabel(HeadScore score);  // "prev_token"

}  // namespace tscope::ui
