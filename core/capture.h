// What one forward pass leaves behind for the views: llm.c-style plain structs, one per layer,
// every field with its shape. T grows by one row per appended token (KV cache), so position-major
// tensors live in RowBuffers and the attention matrices in SquareBuffers.
//
// Shape legend: T = positions so far, C = n_embd, H = n_head, D = C / H, F = n_inner, V = vocab.
// Per-head tensors are stored with heads side by side in the columns: head h of q is
// q.view().middleCols(h * D, D).
//
// Every tensor also has a stable name (tensorNames(), tensor()) for listing and export:
//   embed.tok [T,C]  embed.pos [T,C]  embed.sum [T,C]
//   blk.L.ln1 [T,C]  blk.L.attn.q|k|v [H,T,D]  blk.L.attn.scores [H,T,T]  blk.L.attn.probs [H,T,T]
//   blk.L.attn.head_out [H,T,D]  blk.L.attn.out [T,C]  blk.L.resid_mid [T,C]  blk.L.ln2 [T,C]
//   blk.L.mlp.pre [T,F]  blk.L.mlp.act [T,F]  blk.L.mlp.out [T,C]  blk.L.resid_post [T,C]
//   lnf [T,C]  logits [T,V] (full level) / logits_last [V]  logsumexp [T]
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/tensor.h"

namespace tscope {

enum class CaptureLevel {
    None,       // logits of the last position and logsumexp only
    Attention,  // + attention scores and probabilities of every head, residual stream, ln_f
    Full,       // + everything listed above, logits of every position included
};

struct CaptureOptions {
    CaptureLevel level = CaptureLevel::Full;
    std::vector<int> layers;  // empty = all layers; otherwise only these get per-layer tensors
    bool wants(int layer) const;
};

struct LayerCapture {
    bool captured = false;
    RowBuffer ln1;                     // [T, C]
    RowBuffer q, k, v;                 // [T, C]  heads side by side
    std::vector<SquareBuffer> scores;  // H × [T, T] q·k/√D, −inf above the diagonal
    std::vector<SquareBuffer> probs;   // H × [T, T] softmax rows, 0 above the diagonal
    RowBuffer headOut;                 // [T, C]  per-head outputs side by side, before c_proj
    RowBuffer attnOut;                 // [T, C]  after c_proj (+ bias)
    RowBuffer residMid;                // [T, C]  x + attn
    RowBuffer ln2;                     // [T, C]
    RowBuffer mlpPre;                  // [T, F]  before GELU
    RowBuffer mlpAct;                  // [T, F]  after GELU
    RowBuffer mlpOut;                  // [T, C]
    RowBuffer residPost;               // [T, C]  after the block
};

// A dense copy of one named tensor, for export (.npy, CSV) and generic listing.
struct NamedTensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;  // row-major
};

struct Capture {
    CaptureOptions options;
    int T = 0;
    RowBuffer tokEmbed, posEmbed, embedSum;  // [T, C]
    std::vector<LayerCapture> layers;        // [n_layer]
    RowBuffer lnf;                           // [T, C]
    RowBuffer logits;                        // [T, V]  Full level only
    Vector logitsLast;                       // [V]     always
    std::vector<float> logsumexp;            // [T]     always

    std::vector<std::string> tensorNames() const;  // names of what this capture holds
    std::optional<NamedTensor> tensor(const std::string& name) const;
    size_t bytesReserved() const;
};

}  // namespace tscope
