// Research tools on a GPT-2-small-shaped model with random weights (random_model.h): the head
// atlas on the repeated probe (<|endoftext|> + 50 random ids twice, 4 seeds: four forward passes
// of 101 tokens with the scores taken as the probabilities are made) and a residual patch sweep
// at T = 15 (12 × 15 cells, the prompts differing at position 1; each cell recomputes only from
// its position on). Targets (issue 10): atlas ≤ 2 s, sweep ≤ 10 s on the 2-core machine.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "app/bench/random_model.h"
#include "core/head_scores.h"
#include "core/model.h"
#include "core/patching.h"

namespace {

using namespace tscope;

std::shared_ptr<const Model> smallModel() {
    static const bench::RandomModelDir file(bench::gpt2Shape("gpt2"));
    static const std::shared_ptr<const Model> loaded =
        file.ok() ? loadModel(file.dir()) : std::shared_ptr<const Model>();
    return loaded;
}

void BM_HeadAtlasRepeatedProbe(benchmark::State& state) {
    const auto model = smallModel();
    if (!model) return state.SkipWithError("could not write the random GPT-2-small model");
    for (auto _ : state) benchmark::DoNotOptimize(repeatedProbeScores(model, 50, 0, 4));
}
BENCHMARK(BM_HeadAtlasRepeatedProbe)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_ResidualPatchSweepT15(benchmark::State& state) {
    const auto model = smallModel();
    if (!model) return state.SkipWithError("could not write the random GPT-2-small model");
    std::vector<int> clean(15), corrupt(15);
    for (int i = 0; i < 15; ++i) clean[size_t(i)] = corrupt[size_t(i)] = 1000 + 37 * i;
    corrupt[1] = 4242;  // the usual case: only the first tokens are shared
    for (auto _ : state) {
        ActivationPatcher patcher(model, clean, corrupt);
        benchmark::DoNotOptimize(patcher.grid(PatchTarget::Residual, 11, 12));
    }
}
BENCHMARK(BM_ResidualPatchSweepT15)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
