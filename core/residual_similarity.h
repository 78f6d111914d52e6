// The same token in two contexts ("bank" in "by the river bank" and "in the bank"): how alike
// its residual vector is between the two prompts, layer by layer.
//   cos(a, b) = a·b / (|a| |b|)   (0 when either vector is all zeros)
// Entry l < L compares the residual entering block l (entry 0: the embeddings); entry L the
// last block's output (before ln_f). So the curve starts where only the token and its position
// count and ends where the model has read the context.
#pragma once

#include <span>
#include <vector>

#include "core/capture.h"

namespace tscope {

double cosineSimilarity(std::span<const float> a, std::span<const float> b);

// [L + 1] cosines of position `ta` of `a` against position `tb` of `b`. Throws tscope::Error when
// a position is outside its capture or the captures' residual widths differ.
std::vector<double> residualCosineByLayer(const Capture& a, int ta, const Capture& b, int tb);

}  // namespace tscope
