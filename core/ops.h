// Math kernels of the GPT-2 forward pass, one free function per operation, output first
// (llm.c style). Plain functions on Eigen views: they know nothing about models or captures.
//
// Shape legend: n = rows computed now (new positions), T = positions so far, C = width,
// K = input width, N = output width, D = head dim, V = vocabulary.
// Threading: OpenMP with the calling thread's omp_get_max_threads(); the caller sets it.
#pragma once

#include <string_view>

#include "core/kernels/panel_prefetch.h"
#include "core/panels.h"
#include "core/tensor.h"

namespace tscope::ops {

using MatRef = Eigen::Ref<RowMatrix>;             // writable rows, any row stride
using ConstMatRef = Eigen::Ref<const RowMatrix>;  // read-only rows, any row stride
using ConstVecRef = Eigen::Ref<const Vector>;     // contiguous [N]
using RowsMap = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;

// out [n,C] = (x − mean) / √(var + eps) · w + b, per row; var is the biased variance.
void layernorm(MatRef out, const ConstMatRef& x, const ConstVecRef& w, const ConstVecRef& b,
               float eps);

// out [n,N] = x [n,K] · W [K,N] + b [N]  (GPT-2 Conv1D layout, W stored in column panels). The
// panels are split over the threads, so each thread streams only its own part of the weights.
// out must not overlap x.
void linear(MatRef out, const ConstMatRef& x, const PanelsRef& W, const ConstVecRef& b);
// out [n,N] = x [n,K] · W [K,N], no bias (the unembedding: W = lm_headᵀ).
void linear(MatRef out, const ConstMatRef& x, const PanelsRef& W);

// Part `part` of `parts` of a one-row product out [N] = x [K] · W [K,N] + b (b null: no bias):
// a run of whole panels, so that a team of threads, each calling with its own part, computes
// every column once, each the same chain of fmas as in linear. Single-threaded; returns the
// columns written, [begin, end).
struct Columns {
    Eigen::Index begin = 0, end = 0;
};
Columns linearRowPart(float* out, const float* x, const PanelsRef& W, const float* b, int part,
                      int parts);

// What linearRowPart(W, part, parts) reads first, fetched into cache a row of its panels per
// call (kernels::PanelPrefetch): for a thread that waits for its team before that product.
kernels::PanelPrefetch prefetchRowPart(const PanelsRef& W, int part, int parts);

// out = 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), elementwise; out may be x.
void geluNew(MatRef out, const ConstMatRef& x);

// probs [n,T]: row i is softmax(scores row i) over its first t0 + i + 1 columns (the causal
// prefix), and exactly 0 after them. Subtracts the row max first.
void softmaxCausal(MatRef probs, const ConstMatRef& scores, Eigen::Index t0);

// Stable softmax of one vector.
Vector softmax(const ConstVecRef& logits);

// log Σ exp(row) of every row of x [n,R] into out [n], stable.
void logsumexpRows(float* out, const ConstMatRef& x);

// One causal attention head; computes only the causal lower triangle of scores and probs for the
// queries at positions t0 .. t0+n−1, t0 = T − n:
//   scores [n,T] = q [n,D] · k [T,D]ᵀ / √D, −inf after the query's own position
//   probs  [n,T] = softmax(scores) per row, 0 after the query's own position
//   out    [n,D] = probs · v [T,D]
// scores and probs may be the same matrix when only the probabilities are kept.
void attentionHead(MatRef out, MatRef scores, MatRef probs, const ConstMatRef& q,
                   const ConstMatRef& k, const ConstMatRef& v);

// The instruction set of the linear kernels in use: "avx512", "avx2", or "eigen" (Eigen's own
// products, on CPUs without AVX2 + FMA). Chosen at start: the best the CPU runs, unless the
// environment says TSCOPE_KERNELS=avx512|avx2|eigen|auto.
const char* kernelPath();

// Whether this CPU runs `path` ("avx512", "avx2", "eigen" or "auto").
bool kernelPathSupported(std::string_view path);

// Switches the linear kernels of every thread to `path` ("auto": the best this CPU runs), for
// tests and benchmarks. Throws tscope::Error for an unknown path or one this CPU cannot run.
void setKernelPath(std::string_view path);

// Sets the calling thread's OpenMP thread count for one scope and restores it afterwards. The
// setting is per thread, and Eigen's products read it as well as our kernels (as long as nobody
// calls the global Eigen::setNbThreads), so scopes on different threads do not disturb each other.
class ThreadCountScope {
  public:
    explicit ThreadCountScope(int threads);
    ~ThreadCountScope();
    ThreadCountScope(const ThreadCountScope&) = delete;
    ThreadCountScope& operator=(const ThreadCountScope&) = delete;

  private:
    int saved_;
};

// While alive: denormal floats flush to zero (FTZ + DAZ) on the calling thread and on every
// thread of its OpenMP team (omp_get_max_threads() threads, so create it after setting that).
// Tiny attention weights otherwise become denormals, which run ~100× slower. Restores each
// thread's previous state on destruction; scopes nest.
class ComputeScope {
  public:
    ComputeScope();
    ~ComputeScope();
    ComputeScope(const ComputeScope&) = delete;
    ComputeScope& operator=(const ComputeScope&) = delete;
};

}  // namespace tscope::ops
