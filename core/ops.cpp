#include "core/ops.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/kernels/compute_scope.h"
#include "core/kernels/dispatch.h"

namespace tscope::ops {

namespace {

using Eigen::Index;

// Rows worth splitting over threads for the cheap row-wise kernels.
constexpr Index kParallelRows = 16;

// Calls work(p) for every panel of W, spread over the threads: threads take panels as they finish
// the last, so a thread the OS holds back costs only its current panel, never half of the matrix.
template <class Work>
void forEachPanel(const PanelsRef& W, const Work& work) {
    const Index panels = W.panelCount();
#pragma omp parallel for schedule(dynamic, 1) if (panels > 1 && omp_get_max_threads() > 1)
    for (Index p = 0; p < panels; ++p) work(p);
}

// Calls work(t) for rows t = 0 .. n−1: over the threads when there are enough of them, else on
// the caller alone, without entering a parallel region (a decode step's rows run inside one).
template <class Work>
void forEachRow(Index n, const Work& work) {
    if (n < kParallelRows) {
        for (Index t = 0; t < n; ++t) work(t);
        return;
    }
#pragma omp parallel for schedule(static)
    for (Index t = 0; t < n; ++t) work(t);
}

// Output columns of a one-row product worth splitting over threads.
constexpr Index kParallelColumns = 256;

// Decode: out [1,N] = x [1,K] · W [K,N] + b (b may be null: no bias), each thread its part.
void linearRow(MatRef out, const ConstMatRef& x, const PanelsRef& W, const float* b) {
#pragma omp parallel if (W.cols >= kParallelColumns)
    linearRowPart(out.data(), x.data(), W, b, omp_get_thread_num(), omp_get_num_threads());
}

// out [n,N] = x [n,K] · W [K,N] + b, b null for no bias.
void linearPanels(MatRef out, const ConstMatRef& x, const PanelsRef& W, const float* b) {
    const Index n = x.rows(), K = x.cols();
    eigen_assert(W.rows == K && out.rows() == n && out.cols() == W.cols);
    const kernels::GemmKernels* gemm = kernels::active();
    if (n == 1) return linearRow(out, x, W, b);
    forEachPanel(W, [&](Index p) {
        // out[:, c0:c0+Np] [n,Np] = x [n,K] · panel p [K,Np] + b[c0:c0+Np]
        const Index c0 = p * kernels::kPanelCols, width = W.panelCols(p);
        if (gemm) {
            gemm->linear(out.data() + c0, out.outerStride(), x.data(), x.outerStride(), W.panel(p),
                         width, b ? b + c0 : nullptr, n, K, width);
        } else {  // Eigen's own product (a CPU without AVX2 + FMA)
            out.middleCols(c0, width).noalias() = x * MatrixMap(W.panel(p), K, width);
            if (b) out.middleCols(c0, width).rowwise() += VectorMap(b + c0, width).transpose();
        }
    });
}

// Keys per block of queries in attentionHead: the block computes keys up to its last query, so
// at most this many columns above the diagonal are wasted per row.
constexpr Index kAttentionRows = 32;

}  // namespace

ThreadCountScope::ThreadCountScope(int threads) : saved_(omp_get_max_threads()) {
    omp_set_num_threads(threads);
}

ThreadCountScope::~ThreadCountScope() {
    omp_set_num_threads(saved_);
}

void layernorm(MatRef out, const ConstMatRef& x, const ConstVecRef& w, const ConstVecRef& b,
               float eps) {
    forEachRow(x.rows(), [&](Index t) {
        auto row = x.row(t).array();                     // [C]
        const float mean = row.mean();                   // scalar
        const float var = (row - mean).square().mean();  // biased, as GPT-2
        const float rstd = 1.0f / std::sqrt(var + eps);  // scalar
        out.row(t).array() =
            (row - mean) * rstd * w.transpose().array() + b.transpose().array();  // [C]
    });
}

namespace {

// Part `part` of `parts`' run of W's panels, [first, last + 1): the one split that
// linearRowPart computes and prefetchRowPart fetches ahead of.
std::pair<Index, Index> partPanels(const PanelsRef& W, int part, int parts) {
    const Index panels = W.panelCount();
    return {panels * part / parts, panels * (part + 1) / parts};
}

}  // namespace

// Each part owns a run of W's panels, one contiguous stretch of memory. Each output is the same
// chain of fused multiply-adds, from b over k = 0 .. K−1, as in the GEMM kernel, so a row
// computed alone equals the same row computed in a prefill, bit for bit.
Columns linearRowPart(float* out, const float* x, const PanelsRef& W, const float* b, int part,
                      int parts) {
    const Index K = W.rows;
    const auto [p0, p1] = partPanels(W, part, parts);
    const Index c0 = p0 * kernels::kPanelCols;
    const Index c1 = std::min(W.cols, p1 * kernels::kPanelCols);
    if (c1 <= c0) return {c0, c0};
    float* o = out + c0;  // [c1 − c0]
    if (const kernels::GemmKernels* gemm = kernels::active()) {
        for (Index c = c0; c < c1; ++c) o[c - c0] = b ? b[c] : 0.0f;
        gemm->accumulatePanels(o, x, W.panel(p0), K, c1 - c0);
        return {c0, c1};
    }
    // Eigen's own product (a CPU without AVX2 + FMA), panel by panel as in a prefill
    const MatrixMap xRow(x, 1, K);  // [1,K]
    for (Index p = p0; p < p1; ++p) {
        const Index width = W.panelCols(p);
        Eigen::Map<RowMatrix> o(out + p * kernels::kPanelCols, 1, width);
        o.noalias() = xRow * MatrixMap(W.panel(p), K, width);
        if (b) o += Eigen::Map<const RowMatrix>(b + p * kernels::kPanelCols, 1, width);
    }
    return {c0, c1};
}

kernels::PanelPrefetch prefetchRowPart(const PanelsRef& W, int part, int parts) {
    const auto [p0, p1] = partPanels(W, part, parts);
    const Index full = std::min(p1, W.cols / kernels::kPanelCols) - p0;  // the last may be narrow
    const kernels::GemmKernels* gemm = kernels::active();
    const int side = gemm ? gemm->decodePanels : 1;
    return {W.panel(p0), W.rows, int(std::clamp<Index>(full, 0, side))};
}

void linear(MatRef out, const ConstMatRef& x, const PanelsRef& W, const ConstVecRef& b) {
    eigen_assert(b.size() == W.cols);
    linearPanels(out, x, W, b.data());
}

void linear(MatRef out, const ConstMatRef& x, const PanelsRef& W) {
    linearPanels(out, x, W, nullptr);
}

void geluNew(MatRef out, const ConstMatRef& x) {
    const float c = std::sqrt(2.0f / float(M_PI));
    forEachRow(x.rows(), [&](Index t) {
        auto a = x.row(t).array();  // [N]
        out.row(t).array() = 0.5f * a * (1.0f + (c * (a + 0.044715f * a.cube())).tanh());
    });
}

void softmaxCausal(MatRef probs, const ConstMatRef& scores, Index t0) {
    const Index n = scores.rows(), T = scores.cols();
    for (Index i = 0; i < n; ++i) {
        const Index valid = std::min(T, t0 + i + 1);  // keys 0 .. t0+i
        auto s = scores.row(i).head(valid).array();
        const float m = s.maxCoeff();
        probs.row(i).head(valid).array() = (s - m).exp();  // [valid]
        probs.row(i).head(valid) /= probs.row(i).head(valid).sum();
        probs.row(i).tail(T - valid).setZero();  // masked keys: exactly 0
    }
}

Vector softmax(const ConstVecRef& logits) {
    Vector p = (logits.array() - logits.maxCoeff()).exp();  // [R]
    p /= p.sum();
    return p;
}

void logsumexpRows(float* out, const ConstMatRef& x) {
    forEachRow(x.rows(), [&](Index t) {
        const float m = x.row(t).maxCoeff();
        out[t] = m + std::log((x.row(t).array() - m).exp().sum());
    });
}

namespace {

// One query against all T keys (a decode step, or a view recomputing one row) through kernels
// that fetch the next rows of k and v ahead (gemm_impl.h). BM_DecodeAttention, 12 layers at
// T = 1000 (74 MB), alternating: see README.
void attendOneQuery(MatRef out, MatRef scores, MatRef probs, const ConstMatRef& q,
                    const ConstMatRef& k, const ConstMatRef& v, const kernels::GemmKernels& gemm) {
    const Index T = k.rows(), D = q.cols();
    gemm.queryScores(scores.data(), q.data(), k.data(), k.outerStride(), T, D);  // [T]
    scores.row(0).head(T) *= 1.0f / std::sqrt(float(D));
    softmaxCausal(probs, scores, T - 1);
    gemm.weightValues(out.data(), probs.data(), v.data(), v.outerStride(), T, D);  // [D]
}

}  // namespace

void attentionHead(MatRef out, MatRef scores, MatRef probs, const ConstMatRef& q,
                   const ConstMatRef& k, const ConstMatRef& v) {
    kernels::ThreadFlushDenormals flush;  // exp of masked and tiny scores gives denormals
    if (const kernels::GemmKernels* gemm = kernels::active(); gemm && q.rows() == 1)
        return attendOneQuery(out, scores, probs, q, k, v, *gemm);
    // One head is one thread's work: the forward pass runs the heads in parallel, and a view
    // computing one head on demand (a few ms at T = 1024) while another thread of ours also
    // computed ran ~10× slower when both split Eigen's small products over the same two cores.
    ThreadCountScope oneThread(1);
    const Index n = q.rows(), T = k.rows(), t0 = T - n;
    const float scale = 1.0f / std::sqrt(float(q.cols()));
    for (Index i0 = 0; i0 < n; i0 += kAttentionRows) {
        // queries t0+i0 .. t0+i1−1 see keys 0 .. t0+i1−1 at most: only those are computed
        const Index i1 = std::min(n, i0 + kAttentionRows), rows = i1 - i0, keys = t0 + i1;
        auto s = scores.block(i0, 0, rows, keys);                            // [rows,keys]
        s.noalias() = q.middleRows(i0, rows) * k.topRows(keys).transpose();  // [rows,D] · [D,keys]
        s *= scale;
        for (Index i = i0; i < i1; ++i)  // causal mask: query t0+i sees keys 0 .. t0+i
            scores.row(i).tail(T - (t0 + i + 1)).setConstant(kNegInf);
        softmaxCausal(probs.middleRows(i0, rows), scores.middleRows(i0, rows), t0 + i0);
        // [rows,D] = [rows,keys] · [keys,D]; the probabilities after `keys` are 0
        out.middleRows(i0, rows).noalias() = probs.block(i0, 0, rows, keys) * v.topRows(keys);
    }
}

const char* kernelPath() {
    return kernels::activeName();
}

bool kernelPathSupported(std::string_view path) {
    return kernels::supported(path);
}

void setKernelPath(std::string_view path) {
    kernels::setPath(path);
}

}  // namespace tscope::ops
