// The presenter's one window on the numbers: every read of a Snapshot's capture by a presenter
// stage goes through these plain functions, so a change of the capture's layout is ported here
// and nowhere else. Embedding rows come from the weights (wte, wpe), not from the capture.
// Out-of-range layers, heads or positions give empty results, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <optional>

#include "core/attention_steps.h"
#include "core/logit_lens.h"

namespace tscope {
struct Model;
}

namespace tscope::ui {

struct Snapshot;

namespace stage_data {

// The talk's "GPT-2 slide": hyper-parameters and where the parameters live.
struct ModelCard {
    int vocab = 0, context = 0, width = 0, heads = 0, layers = 0;
    int64_t parameters = 0;  // without the tied lm_head
    int64_t embeddings = 0;  // wte + wpe
    int64_t attention = 0;   // c_attn + c_proj, weights and biases, all layers
    int64_t mlp = 0;         // c_fc + c_proj, all layers
    int64_t layerNorms = 0;  // ln_1, ln_2 of every layer + ln_f
};
ModelCard modelCard(const Model& model);

enum class Which { Token, Position, Sum };
// [C] wte[token at position], wpe[position], or their sum: the vector entering block 0.
std::vector<float> embeddingRow(const Snapshot& snapshot, int position, Which which);

// A small dense matrix, row-major.
struct Matrix {
    int rows = 0, cols = 0;
    std::vector<float> values;
    float at(int r, int c) const { return values[size_t(r) * size_t(cols) + size_t(c)]; }
};
// [T, T] attention of one head: softmax weights (0 above the diagonal) or the scores
// q·k/√d (−inf above the diagonal, the causal mask).
Matrix attentionProbs(const Snapshot& snapshot, int layer, int head);
Matrix attentionScores(const Snapshot& snapshot, int layer, int head);
// One head's query, keys, values, scores, weights and output for the query at `position`
// (core/attention_steps); empty when that layer, head or position is not there.
std::optional<AttentionSteps> attentionSteps(const Snapshot& snapshot, int layer, int head,
                                             int position);

// ‖x‖ of the residual stream at `position`: after the embeddings (layer −1) or after block
// `layer`; NaN when not captured.
float residualNorm(const Snapshot& snapshot, int layer, int position);
// Logit lens: the top-k tokens the model would predict from the residual after block `layer`
// (−1 = straight from the embeddings).
std::vector<TokenScore> lensTop(const Snapshot& snapshot, int layer, int position, int k);
// [V] the last position's logits (final vector × wteᵀ).
std::vector<float> lastLogits(const Snapshot& snapshot);
// [C] the last position's vector after ln_f, the one multiplied by wteᵀ.
std::vector<float> finalVector(const Snapshot& snapshot);

}  // namespace stage_data
}  // namespace tscope::ui
