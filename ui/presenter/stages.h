// Factories of the nine stages, one file each (model_card_stage.cpp, tokens_stage.cpp, …).
#pragma once

#include <QRectF>
#include <memory>
#include <vector>

#include "ui/presenter/stage.h"

namespace tscope::ui {

std::unique_ptr<Stage> makeModelCardStage();
std::unique_ptr<Stage> makeTokensStage();
std::unique_ptr<Stage> makeEmbeddingStage();
std::unique_ptr<Stage> makeAttentionStage();
std::unique_ptr<Stage> makeLayersStage();
std::unique_ptr<Stage> makeUnembeddingStage();
std::unique_ptr<Stage> makeSoftmaxStage();
std::unique_ptr<Stage> makeSampleStage();
std::unique_ptr<Stage> makeFeedBackStage();

class StagePainter;
// The top bars of a next-token distribution, `drawn` highlighted (softmax and sample stages).
void paintDistribution(StagePainter& painter, const Snapshot& snapshot,
                       const std::vector<float>& probs, const QRectF& area, bool fixedAxis,
                       int drawn);

}  // namespace tscope::ui
