// What a forward pass leaves behind for the views: an immutable, cheap view (Capture) of the first
// T positions of shared, append-only storage (ActivationStore). A Step appends one row per tensor;
// a snapshot is a Capture, so holding the history costs no copy of the activations.
//
// Stored, per layer: the queries, the KV cache and the residual stream (after attention and after
// the block); everything else — attention scores and probabilities, ln outputs, head outputs, MLP
// activations, logits of earlier positions — is computed on demand from those, with the model's
// weights, by the same kernels the forward pass runs.
//
// Shape legend: T = positions so far, C = n_embd, H = n_head, D = C / H, F = n_inner, V = vocab.
// Per-head tensors are stored with heads side by side in the columns: head h of q is
// q(l).middleCols(h * D, D).
//
// Every tensor also has a stable name (tensorNames(), tensor()) for listing and export:
//   embed.tok [T,C]  embed.pos [T,C]  embed.sum [T,C]
//   blk.L.ln1 [T,C]  blk.L.attn.q|k|v [H,T,D]  blk.L.attn.scores [H,T,T]  blk.L.attn.probs [H,T,T]
//   blk.L.attn.head_out [H,T,D]  blk.L.attn.out [T,C]  blk.L.resid_mid [T,C]  blk.L.ln2 [T,C]
//   blk.L.mlp.pre [T,F]  blk.L.mlp.act [T,F]  blk.L.mlp.out [T,C]  blk.L.resid_post [T,C]
//   lnf [T,C]  logits [T,V]  logits_last [V]  logsumexp [T]
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/activation_store.h"
#include "core/model.h"

namespace tscope {

// A dense copy of one named tensor, for export (.npy, CSV) and generic listing.
struct NamedTensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;  // row-major
};

// The tensors of one block's attention for rows [t0, t0 + n), recomputed from the residual.
struct AttentionRows {
    RowMatrix ln1;      // [n,C]
    RowMatrix headOut;  // [n,C] every head's output side by side, before c_proj
    RowMatrix out;      // [n,C] after c_proj (+ bias)
};

// One query row of one head: what the attention math shows.
struct AttentionQueryRow {
    RowVector scores;  // [query+1] q·k/√D over the keys it sees
    RowVector probs;   // [query+1]
    RowVector out;     // [D] probs · v
};

// The tensors of one block's MLP for rows [t0, t0 + n), recomputed from resid_mid.
struct MlpRows {
    RowMatrix ln2;  // [n,C]
    RowMatrix pre;  // [n,F] before GELU
    RowMatrix act;  // [n,F] after GELU
    RowMatrix out;  // [n,C]
};

class Capture {
  public:
    Capture() = default;  // empty: T = 0, no model
    Capture(std::shared_ptr<const Model> model, std::shared_ptr<const ActivationStore> store,
            std::vector<int> tokens, std::shared_ptr<const Vector> logitsLast);

    int T = 0;  // positions this view covers

    const CaptureOptions& options() const;
    const Model& model() const { return *model_; }
    std::span<const int> tokens() const { return tokens_; }
    int layers() const;
    int heads() const;
    // Whether this layer's queries and residual stream were kept (the level and layer selection).
    bool keeps(int layer) const;

    // Stored, [T, C]. q/residMid/residPost need keeps(layer) (residPost of the last layer is
    // always kept); k and v (the KV cache) exist at every level.
    Eigen::Map<const RowMatrix> q(int layer) const;
    Eigen::Map<const RowMatrix> k(int layer) const;
    Eigen::Map<const RowMatrix> v(int layer) const;
    Eigen::Map<const RowMatrix> residMid(int layer) const;
    Eigen::Map<const RowMatrix> residPost(int layer) const;

    // The next-token logits after the last position [V]; empty when T = 0.
    const Vector& logitsLast() const;
    // log Σ exp(logits) of every position [T]: stored when the options asked for it, otherwise
    // computed here (one unembedding of every position).
    std::vector<float> logsumexp() const;

    // On demand. The attention pattern of one head, cached (a few heads) and shared by every view
    // of the same storage; equal to what the forward pass used.
    std::shared_ptr<const AttentionPattern> pattern(int layer, int head) const;
    // The same without touching the cache (for sweeps over every head).
    AttentionPattern computePattern(int layer, int head) const;
    // One query's row (cheap: one row of q·kᵀ).
    AttentionQueryRow attentionRow(int layer, int head, int query) const;
    RowMatrix embedTok(int t0, int n) const;            // [n,C] wte rows of the tokens
    RowMatrix embedPos(int t0, int n) const;            // [n,C] wpe rows of the positions
    RowMatrix residIn(int layer, int t0, int n) const;  // [n,C] residual entering the block
    AttentionRows attentionRows(int layer, int t0, int n) const;
    MlpRows mlpRows(int layer, int t0, int n) const;
    RowMatrix lnf(int t0, int n) const;     // [n,C] ln_f of the last block's output
    RowMatrix logits(int t0, int n) const;  // [n,V]
    Vector logitsAt(int position) const;    // [V] the next-token logits after `position`

    std::vector<std::string> tensorNames() const;  // names of what this capture can give
    std::optional<std::vector<int64_t>> tensorShape(const std::string& name) const;
    std::optional<NamedTensor> tensor(const std::string& name) const;  // computed now
    // Resident bytes of the shared storage (every view of it reports the same figure).
    size_t bytesReserved() const;

  private:
    void requireLayer(int layer, bool needsKept) const;
    std::shared_ptr<const Model> model_;
    std::shared_ptr<const ActivationStore> store_;
    std::shared_ptr<const ViewLease> lease_;  // keeps the engine from overwriting our rows
    std::vector<int> tokens_;
    std::shared_ptr<const Vector> logitsLast_;
};

}  // namespace tscope
