#include "core/ops.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

namespace tscope::ops {

namespace {

using Eigen::Index;

// Rows worth splitting over threads for the cheap row-wise kernels.
constexpr Index kParallelRows = 16;

// [begin, end) of part `i` of `count` equal parts of [0, size), aligned to 16 floats (one
// cache line) so neighbouring threads do not write the same line.
std::pair<Index, Index> part(Index size, int i, int count) {
    const Index step = ((size + count - 1) / count + 15) / 16 * 16;
    const Index begin = std::min(size, step * i);
    return {begin, std::min(size, begin + step)};
}

}  // namespace

void layernorm(MatRef out, const ConstMatRef& x, const ConstVecRef& w, const ConstVecRef& b,
               float eps) {
    const Index n = x.rows();
#pragma omp parallel for schedule(static) if (n >= kParallelRows)
    for (Index t = 0; t < n; ++t) {
        auto row = x.row(t).array();                     // [C]
        const float mean = row.mean();                   // scalar
        const float var = (row - mean).square().mean();  // biased, as GPT-2
        const float rstd = 1.0f / std::sqrt(var + eps);  // scalar
        out.row(t).array() =
            (row - mean) * rstd * w.transpose().array() + b.transpose().array();  // [C]
    }
}

void linear(MatRef out, const ConstMatRef& x, const ConstMatRef& W, const ConstVecRef& b) {
    if (x.rows() == 1 && omp_get_max_threads() > 1) {
        // decode: every thread owns a block of output columns
#pragma omp parallel
        {
            const auto [c0, c1] = part(W.cols(), omp_get_thread_num(), omp_get_num_threads());
            if (c1 > c0) {
                // out[:, c0:c1] [1,Nc] = x [1,K] · W[:, c0:c1] [K,Nc] + b[c0:c1]
                out.middleCols(c0, c1 - c0).noalias() = x * W.middleCols(c0, c1 - c0);
                out.middleCols(c0, c1 - c0) += b.segment(c0, c1 - c0).transpose();
            }
        }
        return;
    }
    out.noalias() = x * W;           // [n,N] = [n,K] · [K,N]  (Eigen GEMM, OpenMP inside)
    out.rowwise() += b.transpose();  // [n,N] + [1,N]
}

void linearTransposed(MatRef out, const ConstMatRef& x, const ConstMatRef& M) {
    if (x.rows() == 1 && omp_get_max_threads() > 1) {
        // decode: every thread owns a block of rows of M (a block of the vocabulary)
#pragma omp parallel
        {
            const auto [r0, r1] = part(M.rows(), omp_get_thread_num(), omp_get_num_threads());
            if (r1 > r0) {
                // out[0, r0:r1]ᵀ [Rc] = M[r0:r1] [Rc,C] · xᵀ [C]
                out.row(0).segment(r0, r1 - r0).transpose().noalias() =
                    M.middleRows(r0, r1 - r0) * x.row(0).transpose();
            }
        }
        return;
    }
    out.noalias() = x * M.transpose();  // [n,R] = [n,C] · [C,R]
}

void geluNew(MatRef out, const ConstMatRef& x) {
    const float c = std::sqrt(2.0f / float(M_PI));
    const Index n = x.rows();
#pragma omp parallel for schedule(static) if (n >= kParallelRows)
    for (Index t = 0; t < n; ++t) {
        auto a = x.row(t).array();  // [N]
        out.row(t).array() = 0.5f * a * (1.0f + (c * (a + 0.044715f * a.cube())).tanh());
    }
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
    const Index n = x.rows();
#pragma omp parallel for schedule(static) if (n >= kParallelRows)
    for (Index t = 0; t < n; ++t) {
        const float m = x.row(t).maxCoeff();
        out[t] = m + std::log((x.row(t).array() - m).exp().sum());
    }
}

void attentionHead(MatRef out, MatRef scores, MatRef probs, const ConstMatRef& q,
                   const ConstMatRef& k, const ConstMatRef& v) {
    const Index n = q.rows(), T = k.rows(), t0 = T - n;
    const float scale = 1.0f / std::sqrt(float(q.cols()));
    scores.noalias() = q * k.transpose();  // [n,T] = [n,D] · [D,T]
    scores *= scale;
    for (Index i = 0; i + t0 + 1 < T; ++i)  // causal mask: query t0+i sees keys 0 .. t0+i
        scores.row(i).tail(T - (t0 + i + 1)).setConstant(kNegInf);
    softmaxCausal(probs, scores, t0);  // [n,T]
    out.noalias() = probs * v;         // [n,D] = [n,T] · [T,D]
}

}  // namespace tscope::ops
