// The storage behind every Capture of one sequence: per layer, fixed-capacity rows (capacity =
// n_positions) that the forward pass appends to and views read. Rows below a live view's length
// are never rewritten: views register their length (ViewLease), and the engine copies the store
// (fork) before it would overwrite a row some view still shows — which only happens after going
// back and then taking a different token while an older snapshot is still held.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>
#include <vector>

#include "core/config.h"
#include "core/row_store.h"

namespace tscope {

enum class CaptureLevel {
    None,      // the KV cache and the last block's output: enough to sample (tscope-cli generate)
    Residual,  // + every layer's queries and residual stream; every other tensor on demand
};

struct CaptureOptions {
    CaptureLevel level = CaptureLevel::Residual;
    std::vector<int> layers{};  // empty = all layers; otherwise only these keep q and residuals
    bool logsumexpAll = false;  // logsumexp of every position (costs every position's logits)
    bool wants(int layer) const;
};

struct LayerStore {
    bool kept = false;   // q and the residual stream are kept (level and layer selection)
    RowStore k, v;       // [ctx, C] the KV cache, every level
    RowStore q;          // [ctx, C] when kept
    RowStore residMid;   // [ctx, C] x + attn, when kept
    RowStore residPost;  // [ctx, C] after the block, when kept (the last layer: always)
};

// One head's attention over the first T positions.
struct AttentionPattern {
    RowMatrix scores;   // [T,T] q·k/√D, −inf above the diagonal
    RowMatrix probs;    // [T,T] softmax rows, 0 above the diagonal
    RowMatrix headOut;  // [T,D] probs · v
    size_t bytes() const { return size_t(scores.size() + probs.size() + headOut.size()) * 4; }
};

class ActivationStore;

// A view's claim on rows [0, T) of a store; released when the last copy of the view goes.
class ViewLease {
  public:
    ViewLease(std::shared_ptr<const ActivationStore> store, int T);
    ~ViewLease();
    ViewLease(const ViewLease&) = delete;
    ViewLease& operator=(const ViewLease&) = delete;

  private:
    std::shared_ptr<const ActivationStore> store_;
    int T_;
};

class ActivationStore {
  public:
    ActivationStore(const ModelConfig& cfg, const CaptureOptions& options);

    const CaptureOptions options;
    std::vector<LayerStore> layers;  // [n_layer]
    RowStore logsumexp;              // [ctx, 1] when options.logsumexpAll

    // A new store holding a copy of rows [0, n) of this one.
    std::unique_ptr<ActivationStore> fork(int n) const;
    // The longest length any live view shows (0 when none).
    int longestView() const;
    // Forgets cached patterns that cover rows from `t` on (those rows are about to change).
    void invalidateFrom(int t);
    size_t bytesTouched() const;

    // The bounded pattern cache, shared by all views (thread-safe).
    std::shared_ptr<const AttentionPattern> cachedPattern(int layer, int head, int T) const;
    void cachePattern(int layer, int head, int T,
                      std::shared_ptr<const AttentionPattern> pattern) const;

    static constexpr size_t kPatternCacheBytes = size_t(32) << 20;  // four heads at T = 1024

  private:
    friend class ViewLease;
    const ModelConfig cfg_;
    mutable std::mutex mutex_;
    mutable std::multiset<int> viewLengths_;
    using Key = std::tuple<int, int, int>;  // layer, head, T
    mutable std::map<Key, std::pair<uint64_t, std::shared_ptr<const AttentionPattern>>> patterns_;
    mutable uint64_t clock_ = 0;  // least recently used goes first
    mutable size_t patternBytes_ = 0;
};

}  // namespace tscope
