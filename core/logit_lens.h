// Logit lens: read an intermediate residual vector as if it were the last layer's,
// softmax(ln_f(x) · wteᵀ), and list its top-k tokens.
#pragma once

#include <vector>

#include "core/capture.h"
#include "core/model.h"

namespace tscope {

struct TokenScore {
    int id = 0;
    float logit = 0;
    float prob = 0;
};

enum class LensPoint { AfterAttention, AfterMlp };

// Top-k of one residual vector x [C].
std::vector<TokenScore> logitLens(const Model& model, const Eigen::Ref<const Vector>& x, int k);
// From a capture: the residual of `layer` at `position` (needs CaptureLevel::Residual).
std::vector<TokenScore> logitLens(const Model& model, const Capture& capture, int layer,
                                  LensPoint point, int position, int k);

}  // namespace tscope
