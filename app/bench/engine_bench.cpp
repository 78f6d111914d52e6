// Engine speed on a GPT-2-small-shaped model (C = 768, 12 layers, 12 heads, V = 50257, 1024
// positions) with random weights: loading the ~500 MB safetensors file, prefill at T = 16 … 1024
// for each capture level, and one decode step (KV cache) at T = 64 and T = 1000.
//
// The model file is written once, on first use, by a forked child (random_model.h): the 500 MB of
// random values then never count in this process's peak RSS, reported as a counter (peak_rss_MB).
// Counters: GFLOP/s = (2 · matmul parameters · new rows + attention flops) / wall time;
// decode also reports GB/s = bytes of the weights a step streams / wall time.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <omp.h>

#include "app/bench/random_model.h"
#include "core/forward.h"
#include "core/model.h"
#include "core/row_store.h"
#include "core/sampling.h"

namespace {

namespace fs = std::filesystem;
using namespace tscope;

constexpr int kLayers = 12, kHeads = 12, kWidth = 768, kVocab = 50257, kPositions = 1024;
constexpr int kInner = 4 * kWidth;

double peakRssMB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

const bench::RandomModelDir& modelFile() {
    static const bench::RandomModelDir file(bench::gpt2Shape("gpt2"));
    return file;
}

// The loaded model, its pages already faulted in by one token's forward pass, so the first
// benchmark does not pay for reading the mapping.
std::shared_ptr<const Model> model() {
    static const std::shared_ptr<const Model> loaded = [] {
        if (!modelFile().ok()) return std::shared_ptr<const Model>();
        auto m = loadModel(modelFile().dir());
        const int token = 0;
        Forward(m).append(std::span<const int>(&token, 1));
        return m;
    }();
    return loaded;
}

// Flops of the linear layers for n new rows and of the LM head for the rows it unembeds:
// 2 · (matmul parameters) · rows.
double matmulFlops(int64_t n, int64_t unembedded) {
    const double perLayer = 3.0 * kWidth * kWidth + kWidth * kWidth + 2.0 * kWidth * kInner;
    return 2.0 * (kLayers * perLayer * double(n) + double(kVocab) * kWidth * double(unembedded));
}

// q·kᵀ and probs·v for rows t0 … t1−1, each attending to t + 1 keys: 2 · 2 · C flops per key.
double attentionFlops(int64_t t0, int64_t t1) {
    double keys = 0;
    for (int64_t t = t0; t < t1; ++t) keys += double(t + 1);
    return kLayers * 4.0 * kWidth * keys;
}

std::vector<int> tokenIds(int n) {
    std::vector<int> ids(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) ids[size_t(i)] = (i * 7919 + 13) % kVocab;
    return ids;
}

// TSCOPE_BENCH_THREADS=n pins the forward pass to n threads (default 0 = the idle cores); with 1,
// the CPU-time column is the whole compute cost even on a machine busy with other work.
int benchThreads() {
    const char* n = std::getenv("TSCOPE_BENCH_THREADS");
    return n ? std::max(0, std::atoi(n)) : 0;
}

bool skipWithoutModel(benchmark::State& state) {
    if (model()) return false;
    state.SkipWithError("could not write and load the random GPT-2-small model");
    return true;
}

// What each client captures: tscope-cli generate, the app, tscope-cli run (every logsumexp).
const CaptureOptions kCaptures[] = {{.level = CaptureLevel::None},
                                    {.level = CaptureLevel::Residual},
                                    {.level = CaptureLevel::Residual, .logsumexpAll = true}};
const char* const kCaptureNames[] = {"none", "app", "cli-run"};

void BM_LoadModel(benchmark::State& state) {
    if (!modelFile().ok()) {
        state.SkipWithError("could not write the random GPT-2-small model");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(loadModel(modelFile().dir()));
    const double bytes = double(fs::file_size(modelFile().dir() / "model.safetensors"));
    state.counters["file_MB"] = bytes / 1e6;
    state.counters["peak_rss_MB"] = peakRssMB();
}
BENCHMARK(BM_LoadModel)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// Prefill: the whole prompt of T tokens in one append, at capture level range(1).
void BM_Prefill(benchmark::State& state) {
    if (skipWithoutModel(state)) return;
    const int T = int(state.range(0));
    ForwardOptions options;
    options.capture = kCaptures[state.range(1)];
    options.threads = benchThreads();
    Forward forward(model(), options);
    const std::vector<int> ids = tokenIds(T);
    for (auto _ : state) {
        forward.reset();
        forward.append(ids);
    }
    state.SetLabel(kCaptureNames[state.range(1)]);
    const int unembedded = options.capture.logsumexpAll ? T : 1;  // else the last row only
    state.counters["GFLOP/s"] =
        benchmark::Counter((matmulFlops(T, unembedded) + attentionFlops(0, T)) / 1e9,
                           benchmark::Counter::kIsIterationInvariantRate);
    state.counters["peak_rss_MB"] = peakRssMB();
}
BENCHMARK(BM_Prefill)
    ->ArgsProduct({{16, 64, 256, 1024}, {0, 1, 2}})
    ->ArgNames({"T", "capture"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// Decode: one token appended to a prefilled state of T − 1 tokens (so the step sees T positions),
// then truncated back (untimed), so every iteration measures the same step.
void BM_DecodeStep(benchmark::State& state) {
    if (skipWithoutModel(state)) return;
    const int T = int(state.range(0));
    ForwardOptions options;
    options.capture = kCaptures[state.range(1)];
    options.threads = benchThreads();
    Forward forward(model(), options);
    const std::vector<int> ids = tokenIds(T);
    forward.append(std::span<const int>(ids).first(size_t(T - 1)));
    const int next = ids.back();
    forward.append(std::span<const int>(&next, 1));  // untimed: grows the buffers once
    forward.truncate(T - 1);
    for (auto _ : state) {
        forward.append(std::span<const int>(&next, 1));
        state.PauseTiming();  // truncate recomputes the last logits: not part of a step
        forward.truncate(T - 1);
        state.ResumeTiming();
    }
    state.SetLabel(kCaptureNames[state.range(1)]);
    state.counters["GFLOP/s"] =
        benchmark::Counter((matmulFlops(1, 1) + attentionFlops(T - 1, T)) / 1e9,
                           benchmark::Counter::kIsIterationInvariantRate);
    // every matrix is streamed once per step; of wpe only one row is read
    const double weightBytes =
        4.0 * double(model()->weights.parameterCount - int64_t(kPositions - 1) * kWidth);
    state.counters["GB/s"] =
        benchmark::Counter(weightBytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["peak_rss_MB"] = peakRssMB();
}
BENCHMARK(BM_DecodeStep)
    ->ArgsProduct({{64, 1000}, {0, 1}})
    ->ArgNames({"T", "capture"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// At least `floats` floats for the read bandwidth, in a RowStore of kWidth-wide rows: memory like
// the engine's (2 MiB-aligned, huge pages, made resident in one call) and, like weights, not all
// equal. Until 2026-12-02 (fourth session) a std::vector of 1.0f took its place: side by side
// (three alternating runs) it read at 52–59 GB/s where memory like this reads at 59–68 GB/s,
// which flattered the decode ratios by ~15 %, and in 4 of 19 runs it read at 1.2–1.5 GB/s next to
// a T = 1000 decode (0 of 15 with this memory).
RowStore readBuffer(size_t floats) {
    const Eigen::Index rows = Eigen::Index((floats + kWidth - 1) / kWidth);
    RowStore store(rows, kWidth);
    auto all = store.rows(0, rows);  // [rows, kWidth], contiguous
    for (Eigen::Index i = 0; i < all.size(); ++i) all.data()[i] = float(i % 7);
    return store;
}

// Sums `count` floats as kReadStreams runs side by side, elementwise in fixed-size blocks (each
// lane its own running sum: vectorized without reordering any float addition, which a plain loop
// of additions cannot be without -ffast-math and then runs at the adds' latency, not at the
// memory's). A thread reading several streams at once reads faster than one reading one: the
// former baseline, Eigen's sum of one stream per thread, read 60.2 GB/s where this reads 66.4
// (512 MB, interleaved repetitions in one run). The decode kernels read several streams too
// (accumulatePanels), so the bandwidth they are held to must be read that way.
constexpr int kReadStreams = 4;
double sumStreams(const float* data, Eigen::Index count) {
    using Block = Eigen::Array<float, 32, 1>;  // 4 AVX2 registers per stream
    const Eigen::Index len =
        count / kReadStreams / Block::SizeAtCompileTime * Block::SizeAtCompileTime;
    Block acc[kReadStreams];
    for (Block& a : acc) a.setZero();
    for (Eigen::Index i = 0; i < len; i += Block::SizeAtCompileTime)
        for (int s = 0; s < kReadStreams; ++s)
            acc[s] += Eigen::Map<const Block>(data + s * len + i);
    double sum = 0;
    for (const Block& a : acc) sum += a.sum();
    for (Eigen::Index i = kReadStreams * len; i < count; ++i) sum += data[i];
    return sum;
}

// Sums `buffer` with `threads` threads, each its own contiguous part, as fast as the memory
// delivers it.
double sumAll(const RowStore& buffer, int threads) {
    const Eigen::Index count = buffer.capacity() * buffer.width();
    const float* data = buffer.top(buffer.capacity()).data();
    double sum = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
    {
        const Eigen::Index t = omp_get_thread_num(), n = omp_get_num_threads();
        const Eigen::Index begin = count * t / n, end = count * (t + 1) / n;
        sum += sumStreams(data + begin, end - begin);
    }
    return sum;
}

int sumThreads() {
    return benchThreads() > 0 ? benchThreads() : omp_get_max_threads();
}

// The machine's read bandwidth: sums a 1 GB buffer — twice the GPT-2-small weights, far past
// every cache — with the forward pass's threads.
void BM_ReadBandwidth(benchmark::State& state) {
    const RowStore buffer = readBuffer(size_t(1) << 28);  // 1 GiB
    double total = 0;
    for (auto _ : state) total += sumAll(buffer, sumThreads());
    benchmark::DoNotOptimize(total);
    const double floats = double(buffer.capacity() * buffer.width());
    state.counters["GB/s"] =
        benchmark::Counter(4.0 * floats / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ReadBandwidth)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

double median(std::vector<double> values) {
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    return values[values.size() / 2];
}

// The decode target (a step ≤ 1.1 × weight bytes / read bandwidth) as one measurement: each
// iteration times one decode step with the app's capture (as BM_DecodeStep), then one sum over
// a buffer of as many bytes as the step's weights, back to back, so both see the same moment of
// a machine whose speed drifts by ±15 % within minutes. ratio = median step / median read;
// ratio_kv counts the KV cache the step's attention reads (2 · layers · T · C floats) as well.
void BM_DecodeVsBandwidth(benchmark::State& state) {
    if (skipWithoutModel(state)) return;
    const int T = int(state.range(0));
    ForwardOptions options;
    options.capture = kCaptures[1];
    options.threads = benchThreads();
    Forward forward(model(), options);
    const std::vector<int> ids = tokenIds(T);
    forward.append(std::span<const int>(ids).first(size_t(T - 1)));
    const int next = ids.back();
    const double weightFloats =
        double(model()->weights.parameterCount - int64_t(kPositions - 1) * kWidth);
    const double kvFloats = 2.0 * kLayers * T * kWidth;
    const RowStore buffer = readBuffer(size_t(weightFloats));
    std::vector<double> stepSeconds, readSeconds;
    double total = 0;
    using Clock = std::chrono::steady_clock;
    for (auto _ : state) {
        const auto t0 = Clock::now();
        forward.append(std::span<const int>(&next, 1));
        const auto t1 = Clock::now();
        forward.truncate(T - 1);
        const auto t2 = Clock::now();
        total += sumAll(buffer, sumThreads());
        const auto t3 = Clock::now();
        stepSeconds.push_back(std::chrono::duration<double>(t1 - t0).count());
        readSeconds.push_back(std::chrono::duration<double>(t3 - t2).count());
    }
    benchmark::DoNotOptimize(total);
    const double step = median(stepSeconds), read = median(readSeconds);
    state.counters["step_ms"] = 1e3 * step;
    state.counters["read_GB/s"] = 4.0 * weightFloats / read / 1e9;
    state.counters["ratio"] = step / read;
    state.counters["ratio_kv"] = step / (read * (weightFloats + kvFloats) / weightFloats);
}
BENCHMARK(BM_DecodeVsBandwidth)
    ->Arg(64)
    ->Arg(1000)
    ->ArgName("T")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
