// Math kernels of the GPT-2 forward pass, one free function per operation, output first
// (llm.c style). Plain functions on Eigen views: they know nothing about models or captures.
//
// Shape legend: n = rows computed now (new positions), T = positions so far, C = width,
// K = input width, N = output width, D = head dim, R = rows of an unembedding matrix.
// Threading: OpenMP with the calling thread's omp_get_max_threads(); the caller sets it.
#pragma once

#include "core/tensor.h"

namespace tscope::ops {

using MatRef = Eigen::Ref<RowMatrix>;             // writable rows, any row stride
using ConstMatRef = Eigen::Ref<const RowMatrix>;  // read-only rows, any row stride
using ConstVecRef = Eigen::Ref<const Vector>;     // contiguous [N]
using RowsMap = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;

// out [n,C] = (x − mean) / √(var + eps) · w + b, per row; var is the biased variance.
void layernorm(MatRef out, const ConstMatRef& x, const ConstVecRef& w, const ConstVecRef& b,
               float eps);

// out [n,N] = x [n,K] · W [K,N] + b [N]  (GPT-2 Conv1D layout). One row (decode) splits the
// columns of W over the threads, because Eigen runs matrix-vector products on one thread.
void linear(MatRef out, const ConstMatRef& x, const ConstMatRef& W, const ConstVecRef& b);

// out [n,R] = x [n,C] · Mᵀ with M [R,C] (the unembedding: M = lm_head). One row splits the rows
// of M over the threads.
void linearTransposed(MatRef out, const ConstMatRef& x, const ConstMatRef& M);

// out = 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), elementwise; out may be x.
void geluNew(MatRef out, const ConstMatRef& x);

// probs [n,T]: row i is softmax(scores row i) over its first t0 + i + 1 columns (the causal
// prefix), and exactly 0 after them. Subtracts the row max first.
void softmaxCausal(MatRef probs, const ConstMatRef& scores, Eigen::Index t0);

// Stable softmax of one vector.
Vector softmax(const ConstVecRef& logits);

// log Σ exp(row) of every row of x [n,R] into out [n], stable.
void logsumexpRows(float* out, const ConstMatRef& x);

// One causal attention head for the queries at positions t0 .. t0+n−1, t0 = T − n:
//   scores [n,T] = q [n,D] · k [T,D]ᵀ / √D, −inf after the query's own position
//   probs  [n,T] = softmax(scores) per row, 0 after the query's own position
//   out    [n,D] = probs · v [T,D]
// scores and probs may be the same matrix when only the probabilities are kept.
void attentionHead(MatRef out, MatRef scores, MatRef probs, const ConstMatRef& q,
                   const ConstMatRef& k, const ConstMatRef& v);

}  // namespace tscope::ops
