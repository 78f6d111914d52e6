// The math kernels alone, on GPT-2-small shapes, for each instruction-set path (eigen = Eigen's
// own products, the former implementation; avx2; avx512): the four linear layers and the tied
// unembedding at n rows, one attention layer with and without tiny (denormal) weights, and a
// decode step's attention over 12 layers of cached keys and values.
//
// Weights come from one 154 MB pool (the unembedding's [50257, 768]); each linear iteration reads
// the next [K,N] matrix cut from the pool (copied into panels, as the model's are), so weights
// come from memory as in a 12-layer pass, not from a cache warmed by the previous iteration.
// Threads: TSCOPE_BENCH_THREADS=n (default: every core), as in engine_bench.cpp.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/forward.h"
#include "core/model.h"
#include "core/ops.h"
#include "core/row_store.h"

namespace {

using namespace tscope;
using Eigen::Index;

constexpr Index kWidth = 768, kInner = 4 * kWidth, kVocab = 50257;
const char* const kPaths[] = {"eigen", "avx2", "avx512"};

// Uniform in [-scale, scale], fixed seed.
RowMatrix randomMatrix(Index rows, Index cols, float scale, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-scale, scale);
    RowMatrix m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = dist(gen);
    return m;
}

const RowMatrix& weightPool() {  // [V, C]
    static const RowMatrix pool = randomMatrix(kVocab, kWidth, 0.035f, 1);
    return pool;
}

// Sets the kernel path (range 0) and the thread count for one benchmark; false: skipped.
bool choosePath(benchmark::State& state) {
    const char* path = kPaths[state.range(0)];
    if (!ops::kernelPathSupported(path)) {
        state.SkipWithError("kernel path not supported by this CPU");
        return false;
    }
    ops::setKernelPath(path);
    const char* threads = std::getenv("TSCOPE_BENCH_THREADS");
    omp_set_num_threads(threads && std::atoi(threads) > 0 ? std::atoi(threads)
                                                          : omp_get_num_procs());
    state.SetLabel(path);
    return true;
}

// The linear layers of a GPT-2-small block: (K, N).
const Index kLinearShapes[][2] = {
    {kWidth, 3 * kWidth}, {kWidth, kWidth}, {kWidth, kInner}, {kInner, kWidth}};

// out [n,N] = x [n,K] · W [K,N] + b; args: path, shape (qkv, attn proj, fc, mlp proj), n.
void BM_Linear(benchmark::State& state) {
    if (!choosePath(state)) return;
    const Index K = kLinearShapes[state.range(1)][0], N = kLinearShapes[state.range(1)][1];
    const Index n = state.range(2);
    const RowMatrix x = randomMatrix(n, K, 1.0f, 2);
    const Vector b = randomMatrix(N, 1, 0.1f, 3);
    RowMatrix out(n, N);
    std::vector<PanelMatrix> Ws;  // the pool cut into [K,N] matrices, in panels as a model's
    for (Index slot = 0; slot < weightPool().size() / (K * N); ++slot)
        Ws.emplace_back(weightPool().data() + slot * K * N, K, N, N);
    size_t slot = 0;
    ops::ComputeScope compute;
    for (auto _ : state) {
        ops::linear(out, x, Ws[slot].ref(), b);
        benchmark::DoNotOptimize(out.data());
        slot = (slot + 1) % Ws.size();
    }
    state.counters["GFLOP/s"] =
        benchmark::Counter(2e-9 * double(n * K * N), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Linear)
    ->ArgsProduct({{0, 1, 2}, {0, 1, 2, 3}, {1, 16, 64, 256, 1024}})
    ->ArgNames({"path", "shape", "n"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// wteᵀ [C,V] in panels, as a model's lm_head.
const PanelMatrix& unembedding() {
    static const PanelMatrix wteT =
        PanelMatrix::transposed(weightPool().data(), kVocab, kWidth, kWidth);
    return wteT;
}

// logits [n,V] = h [n,C] · wteᵀ (the tied unembedding); args: path, n.
void BM_Unembed(benchmark::State& state) {
    if (!choosePath(state)) return;
    const Index n = state.range(1);
    const RowMatrix h = randomMatrix(n, kWidth, 1.0f, 4);
    RowMatrix logits(n, kVocab);
    const PanelsRef lmHead = unembedding().ref();  // made on first use: not inside the timed loop
    ops::ComputeScope compute;
    for (auto _ : state) {
        ops::linear(logits, h, lmHead);
        benchmark::DoNotOptimize(logits.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2e-9 * double(n * kVocab * kWidth),
                                                   benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(4e-9 * double(kVocab * kWidth),
                                                benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Unembed)
    ->ArgsProduct({{0, 1, 2}, {1, 16, 64, 256}})
    ->ArgNames({"path", "n"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One attention layer's 12 heads at T = n (prefill), q and k scaled by range(1)/100: at 100 the
// scores spread over hundreds, so most softmax weights underflow towards denormals (as with real
// GPT-2's weights). attentionHead flushes denormals itself, so both scales should take as long.
void BM_AttentionLayer(benchmark::State& state) {
    const Index T = state.range(0), D = 64, H = 12;
    const float scale = float(state.range(1)) / 100.0f;
    const RowMatrix q = randomMatrix(T, H * D, scale, 5), k = randomMatrix(T, H * D, scale, 6);
    const RowMatrix v = randomMatrix(T, H * D, 1.0f, 7);
    RowMatrix out(T, H * D);
    std::vector<RowMatrix> probs(size_t(H), RowMatrix(T, T));
    auto layer = [&] {
#pragma omp parallel for schedule(static)
        for (Index h = 0; h < H; ++h)
            ops::attentionHead(out.middleCols(h * D, D), probs[size_t(h)], probs[size_t(h)],
                               q.middleCols(h * D, D), k.middleCols(h * D, D),
                               v.middleCols(h * D, D));
    };
    for (auto _ : state) {
        layer();
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_AttentionLayer)
    ->ArgsProduct({{256, 1024}, {2, 100}})
    ->ArgNames({"T", "qk_scale_pct"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// A decode step's attention at T = 1000 (range 1): one query per head against 12 layers' cached
// keys and values ([T, 768] each, 74 MB: far past the caches, as in a step, where the weights
// pass between two uses of a layer's cache) in RowStores like the engine's, the heads in parallel
// as in the forward pass.
// GB/s: the cache's bytes per step; BM_ReadBandwidth (engine_bench.cpp) reads plain memory.
void BM_DecodeAttention(benchmark::State& state) {
    if (!choosePath(state)) return;
    const Index T = state.range(1), D = 64, H = 12, L = 12;
    std::vector<RowStore> k, v;  // as the engine's KV cache (huge pages where rows fill them)
    for (Index l = 0; l < L; ++l) {
        k.emplace_back(1024, H * D).rows(0, T) = randomMatrix(T, H * D, 1.0f, unsigned(10 + l));
        v.emplace_back(1024, H * D).rows(0, T) = randomMatrix(T, H * D, 1.0f, unsigned(30 + l));
    }
    const RowMatrix q = randomMatrix(1, H * D, 1.0f, 8);
    RowMatrix out(1, H * D);
    std::vector<RowMatrix> probs(size_t(H), RowMatrix(1, T));
    for (auto _ : state)
        for (Index l = 0; l < L; ++l) {
#pragma omp parallel for schedule(static)
            for (Index h = 0; h < H; ++h)
                ops::attentionHead(out.middleCols(h * D, D), probs[size_t(h)], probs[size_t(h)],
                                   q.middleCols(h * D, D), k[size_t(l)].top(T).middleCols(h * D, D),
                                   v[size_t(l)].top(T).middleCols(h * D, D));
            benchmark::DoNotOptimize(out.data());
        }
    state.counters["GB/s"] = benchmark::Counter(2.0 * 4.0 * double(L * T * H * D) / 1e9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DecodeAttention)
    ->ArgsProduct({{0, 1, 2}, {1000}})
    ->ArgNames({"path", "T"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Prefill of T tokens (range 0) with capture range(1) (0 none, 1 the app's, 2 tscope-cli run's) on
// the model directory in TSCOPE_BENCH_MODEL (skipped without it): app/bench/torch_vs_tscope.py
// writes one and times the same prefill in PyTorch alternately with this.
// The model in TSCOPE_BENCH_MODEL, loaded once; null, with the reason in `why`, when the variable
// is unset or the directory does not load.
std::shared_ptr<const Model> benchModel(std::string& why) {
    static std::string error;
    static const std::shared_ptr<const Model> model = []() -> std::shared_ptr<const Model> {
        const char* dir = std::getenv("TSCOPE_BENCH_MODEL");
        if (!dir) {
            error = "set TSCOPE_BENCH_MODEL to a model directory";
            return nullptr;
        }
        try {
            return loadModel(dir);
        } catch (const Error& e) {
            error = e.what();
            return nullptr;
        }
    }();
    why = error;
    return model;
}

void BM_PrefillModelDir(benchmark::State& state) {
    std::string why;
    const std::shared_ptr<const Model> model = benchModel(why);
    if (!model) return state.SkipWithError(why.c_str());
    if (state.range(0) > model->config.n_positions)
        return state.SkipWithError("T is longer than the model's context (n_positions)");
    ForwardOptions options;  // capture 0: none (generate), 1: the app's, 2: the CLI run's
    options.capture.level = state.range(1) == 0 ? CaptureLevel::None : CaptureLevel::Residual;
    options.capture.logsumexpAll = state.range(1) == 2;
    const char* threads = std::getenv("TSCOPE_BENCH_THREADS");
    options.threads = threads ? std::atoi(threads) : 0;
    Forward forward(model, options);
    std::vector<int> ids(size_t(state.range(0)));
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = int((i * 7919 + 13) % 50257);
    forward.append(ids);  // untimed: faults the weights in
    for (auto _ : state) {
        forward.reset();
        forward.append(ids);
    }
    state.SetLabel(ops::kernelPath());
}
BENCHMARK(BM_PrefillModelDir)
    ->ArgsProduct({{16, 64, 256, 1024}, {0, 1, 2}})
    ->ArgNames({"T", "capture"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

}  // namespace
