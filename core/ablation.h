// Ablation: remove attention heads or MLP neurons from the forward pass and measure what
// changes. Zero-ablation sets a head's slice of the concatenated head outputs (before c_proj)
// to 0; mean-ablation replaces it by its mean over the prompt's positions in the unablated run.
// Neurons (after GELU) are ablated the same way. Built on ForwardHooks; the engine is unchanged.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/capture.h"
#include "core/forward.h"
#include "core/model.h"

namespace tscope {

struct HeadRef {
    int layer = 0, head = 0;
    bool operator==(const HeadRef&) const = default;
};
struct NeuronRef {
    int layer = 0, neuron = 0;
};
enum class AblationMode { Zero, Mean };

struct Ablation {
    std::vector<HeadRef> heads;
    std::vector<NeuronRef> neurons;
    AblationMode mode = AblationMode::Zero;
    bool empty() const { return heads.empty() && neurons.empty(); }
};

// "5.1,7.10" → {{5,1},{7,10}}; throws tscope::Error naming the bad entry.
std::vector<HeadRef> parseHeadList(const std::string& text);
// "zero" | "mean"; throws tscope::Error otherwise.
AblationMode parseAblationMode(const std::string& text);
// Throws tscope::Error when a head or neuron is outside the model.
void checkAblation(const ModelConfig& config, const Ablation& ablation);

// Hooks that apply the ablation. `clean` is a capture of the unablated model on the same prompt
// (mean-ablation takes its means from it; zero-ablation ignores it).
ForwardHooks ablationHooks(const ModelConfig& config, const Ablation& ablation,
                           const Capture& clean);
// The same, running the unablated prompt first when the mode needs means.
ForwardHooks ablationHooks(std::shared_ptr<const Model> model, std::span<const int> ids,
                           const Ablation& ablation);

// Mean next-token loss of a capture over its own tokens: mean over i < T−1 of
// −log p(t[i+1] | t[0..i]); nullopt when T < 2.
std::optional<double> nextTokenLoss(const Capture& capture);

// Before/after one ablation on a prompt, for a chosen next token.
struct AblationEffect {
    Vector logitsBefore, logitsAfter;  // [V] after the last position
    int token = 0;
    double probBefore = 0, probAfter = 0;
    double logProbBefore = 0, logProbAfter = 0;
    std::optional<double> lossBefore, lossAfter;  // over the prompt's own tokens
    double deltaProb() const { return probAfter - probBefore; }
    double deltaLogProb() const { return logProbAfter - logProbBefore; }
};
AblationEffect ablationEffect(std::shared_ptr<const Model> model, std::span<const int> ids,
                              const Ablation& ablation, int token);

enum class AblationMetric { LogProb, Prob, Loss };
// Called after each head of a sweep: (heads done, heads total). Return false to cancel (the
// sweep then throws Cancelled).
using SweepProgressFn = std::function<bool(int done, int total)>;
// Each head ablated alone: grid[layer][head] = the metric after − before (LogProb and Prob of
// `token` at the last position; Loss over the prompt, which needs T ≥ 2).
std::vector<std::vector<double>> headAblationSweep(std::shared_ptr<const Model> model,
                                                   std::span<const int> ids, AblationMode mode,
                                                   int token, AblationMetric metric,
                                                   const SweepProgressFn& progress = {});

}  // namespace tscope
