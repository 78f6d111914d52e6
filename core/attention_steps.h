// One head's attention for one query, in the steps the talk shows: the query vector, the keys
// and values of the tokens it may see (the causal mask: none after it), the scores q·k/√D, the
// softmax weights and their weighted sum of the values. Read from a Capture (q, k, v as the
// forward pass stored them); the scores, weights and output come from the capture's own
// kernels (Capture::attentionRow), so they are the numbers the model used.
#pragma once

#include "core/capture.h"

namespace tscope {

// Shapes: n = query + 1 keys (positions 0..query), D = the head's width.
struct AttentionSteps {
    int layer = 0, head = 0, query = 0;
    float scale = 1;    // 1/√D
    RowVector q;        // [D]  the query's row of q, this head's columns
    RowMatrix k;        // [n,D] keys of positions 0..query
    RowMatrix v;        // [n,D] values of positions 0..query
    RowVector scores;   // [n]  q·k_j/√D
    RowVector weights;  // [n]  softmax(scores): ≥ 0, sum 1
    RowVector out;      // [D]  Σ_j weights_j · v_j
    int keys() const { return int(k.rows()); }
};

// Throws tscope::Error when the layer was not kept or the head or query is out of range.
AttentionSteps attentionSteps(const Capture& capture, int layer, int head, int query);

}  // namespace tscope
