// The instrumented GPT-2 forward pass with a KV cache. One Forward object holds one sequence:
// append() runs only the new positions (the first call is the prefill), truncate() goes back to
// an earlier length (undo), and the capture always equals what a full recompute would give.
//
//   x = wte[tok] + wpe[pos]
//   for each block:  x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
//   logits = ln_f(x) · wteᵀ
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/capture.h"
#include "core/model.h"
#include "core/ops.h"

namespace tscope {

enum class OverflowPolicy { Refuse, TruncateLeft };

// Interventions and observers (research tools, tests). Each is called on the new rows
// [t0, t0 + n) of a run; the interventions may change their rows in place, and what they change
// flows on through the model and into the capture.
struct ForwardHooks {
    std::function<void(int layer, ops::MatRef x, Eigen::Index t0)> residualIn;  // [n,C] into block
    std::function<void(int layer, ops::MatRef heads, Eigen::Index t0)> headOutputs;   // [n,C]
    std::function<void(int layer, ops::MatRef act, Eigen::Index t0)> mlpActivations;  // [n,F]
    // Each head's probabilities [n,T]; called from the heads' threads, concurrently.
    std::function<void(int layer, int head, const ops::ConstMatRef& probs, Eigen::Index t0)>
        attentionProbs;
};

struct ForwardOptions {
    CaptureOptions capture;
    ForwardHooks hooks{};
    OverflowPolicy overflow = OverflowPolicy::Refuse;
    int threads = 0;  // 0 = every core other processes leave idle (cpu_load.h)
};

// Called after each layer of a run: (layers done, layers total). Return false to cancel.
using ProgressFn = std::function<bool(int done, int total)>;

class Cancelled : public std::runtime_error {
  public:
    Cancelled() : std::runtime_error("cancelled") {}
};

class Forward {
  public:
    Forward(std::shared_ptr<const Model> model, ForwardOptions options = {});
    ~Forward();

    // Runs the new tokens on top of the cached ones. Throws tscope::Error for ids outside the
    // vocabulary, or when the sequence would pass n_positions and the policy is Refuse
    // (TruncateLeft keeps the last n_positions tokens and recomputes). Throws Cancelled if
    // progress returns false; the state is then as before the call.
    void append(std::span<const int> ids, const ProgressFn& progress = {});
    void reset();
    void truncate(int length);  // keep the first `length` positions

    int length() const { return int(tokens_.size()); }
    const std::vector<int>& tokens() const { return tokens_; }
    // A view of the current state; cheap (no copy of the activations), valid for as long as it
    // is held, whatever the engine does next.
    Capture capture() const;
    const Vector& logitsLast() const { return *last_; }  // [V] after the last position
    const Model& model() const { return *model_; }
    std::shared_ptr<const Model> modelPtr() const { return model_; }
    const ForwardOptions& options() const { return options_; }

  private:
    struct Impl;
    std::shared_ptr<const Model> model_;
    ForwardOptions options_;
    std::vector<int> tokens_;
    std::shared_ptr<ActivationStore> store_;  // the KV cache and the kept activations
    std::shared_ptr<const Vector> last_;      // [V] logits after the last position
    std::unique_ptr<Impl> impl_;              // scratch
};

}  // namespace tscope
