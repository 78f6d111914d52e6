// Register-blocked GEMM kernels written once for a vector type V and compiled once per
// instruction set; include only from gemm_<isa>.cpp, after defining V there (in an anonymous
// namespace, so every instantiation stays local to its file).
//
// V provides: Reg, kWidth (floats per register), zero(), load(p), loadPart(p, count),
// store(p, r), storePart(p, r, count), broadcast(f), fma(a, b, c) = a·b + c, sum(r), and the
// tile sizes kLinearRows × kLinearVecs registers (linear), kDepth (rows of W per pass, so a
// [kDepth, kLinearVecs·kWidth] slice of W stays in L1), kDecodePanels (panels side by side in
// accumulatePanels).
#pragma once

#include "core/kernels/gemm.h"

namespace tscope::kernels::impl {

// ---- linear: out [n,cols] = x [n,K] · W [K,cols] + b ---------------------------------------

// Rows of W prefetched ahead by the first tile of a strip, which reads W from memory: the hardware
// prefetchers start too late on these short streams (with W in panels, BM_Linear at n = 16 is
// still 10–15 % faster with the prefetch, three alternating rounds).
constexpr Index kPrefetchRows = 16;

// One MR × NV-register tile over kc rows of W: out[i, j:j+V] += x[i,k] · W[k, j:j+V] (broadcast
// FMA). first: start from the bias (or 0) instead of out. Part: the last register holds only
// `last` columns (masked loads and stores). prefetch: fetch W's rows kPrefetchRows ahead (the
// first tile of a strip, which is the one that reads W from memory).
template <class V, int MR, int NV, bool Part>
inline void linearTile(float* out, Index ldo, const float* x, Index ldx, const float* W, Index ldw,
                       const float* b, bool first, Index kc, int last, bool prefetch) {
    using Reg = typename V::Reg;
    constexpr int w = V::kWidth;
    auto loadCol = [&](const float* p, int j) {
        return Part && j == NV - 1 ? V::loadPart(p + j * w, last) : V::load(p + j * w);
    };
    Reg acc[MR][NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j)
            acc[i][j] = !first ? loadCol(out + i * ldo, j) : b ? loadCol(b, j) : V::zero();
    for (Index k = 0; k < kc; ++k) {
        if (prefetch)
#pragma GCC unroll 8
            for (int line = 0; line < NV * w; line += 16)
                __builtin_prefetch(W + (k + kPrefetchRows) * ldw + line);
        Reg wk[NV];  // W[k, j:j+NV·V]
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) wk[j] = loadCol(W + k * ldw, j);
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i) {
            const Reg xik = V::broadcast(x[i * ldx + k]);
#pragma GCC unroll 8
            for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(xik, wk[j], acc[i][j]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) {
            float* p = out + i * ldo + j * w;
            if (Part && j == NV - 1)
                V::storePart(p, acc[i][j], last);
            else
                V::store(p, acc[i][j]);
        }
}

// Tiles of every row of x for one strip of NV registers; the rows left over (< kLinearRows) get
// a shorter tile.
template <class V, int NV, bool Part, int MR = V::kLinearRows>
inline void linearStrip(float* out, Index ldo, const float* x, Index ldx, const float* W, Index ldw,
                        const float* b, bool first, Index n, Index kc, int last) {
    Index i = 0;
    for (; i + MR <= n; i += MR)
        linearTile<V, MR, NV, Part>(out + i * ldo, ldo, x + i * ldx, ldx, W, ldw, b, first, kc,
                                    last, i == 0);
    if constexpr (MR > 1)
        if (i < n)
            linearStrip<V, NV, Part, MR - 1>(out + i * ldo, ldo, x + i * ldx, ldx, W, ldw, b, first,
                                             n - i, kc, last);
}

// The columns after the last full strip: `vecs` whole registers (< kLinearVecs), then `last`
// columns in a masked register.
template <class V, int NV = V::kLinearVecs - 1>
inline void linearRemainder(float* out, Index ldo, const float* x, Index ldx, const float* W,
                            Index ldw, const float* b, bool first, Index n, Index kc, int vecs,
                            int last) {
    if constexpr (NV > 0) {
        if (vecs == NV) {
            linearStrip<V, NV, false>(out, ldo, x, ldx, W, ldw, b, first, n, kc, V::kWidth);
            const Index done = NV * V::kWidth;
            if (last > 0)
                linearStrip<V, 1, true>(out + done, ldo, x, ldx, W + done, ldw,
                                        b ? b + done : nullptr, first, n, kc, last);
            return;
        }
        linearRemainder<V, NV - 1>(out, ldo, x, ldx, W, ldw, b, first, n, kc, vecs, last);
    } else if (last > 0) {
        linearStrip<V, 1, true>(out, ldo, x, ldx, W, ldw, b, first, n, kc, last);
    }
}

// out [n,cols] = x [n,K] · W [K,cols] + b, strip by strip of kLinearVecs registers, each strip
// down K in passes of kDepth rows (that slice of W is then reused by every row of x from L1).
// A strip reads its column band of W top to bottom, so the prefetch always runs ahead of use.
template <class V>
void linear(float* out, Index ldo, const float* x, Index ldx, const float* W, Index ldw,
            const float* b, Index n, Index K, Index cols) {
    constexpr Index strip = Index(V::kLinearVecs) * V::kWidth;
    const Index fullCols = cols / strip * strip;
    const int vecs = int((cols - fullCols) / V::kWidth);
    const int last = int((cols - fullCols) % V::kWidth);
    for (Index j = 0; j < cols; j += strip)
        for (Index k0 = 0; k0 < K || k0 == 0; k0 += V::kDepth) {
            const Index kc = K - k0 < V::kDepth ? K - k0 : V::kDepth;
            const bool first = k0 == 0;
            const float* xk = x + k0;            // [n, kc]
            const float* Wk = W + k0 * ldw + j;  // [kc, strip]
            const float* bj = b ? b + j : nullptr;
            if (j < fullCols)
                linearStrip<V, V::kLinearVecs, false>(out + j, ldo, xk, ldx, Wk, ldw, bj, first, n,
                                                      kc, V::kWidth);
            else
                linearRemainder<V>(out + j, ldo, xk, ldx, Wk, ldw, bj, first, n, kc, vecs, last);
        }
}

// ---- accumulatePanels: out [cols] += x [K] · W [K,cols], W in panels ------------------------

// Rows of k and v the one-query attention kernels fetch ahead (below). A head reads D floats (256
// bytes at D = 64) of every row, rows 3 KB apart: too little per 4 KiB page for the hardware
// prefetchers to follow.
constexpr Index kAttendAhead = 16;

// out [cols] += x [K] · P [K,cols] for P's rows ldp floats apart, cols ≤ kPanelCols, and the same
// for NP − 1 more such blocks, `next` floats apart, with their outputs kPanelCols apart: all
// outputs stay in NP · NV registers all the way down K (out is read and written once), and the NP
// blocks stream in order side by side. Part (NP = 1 only): narrower than kPanelCols, and register
// j holds the columns from j·kWidth up to cols (masked). Prefetch: fetch each row's lines
// kAttendAhead rows ahead, for rows too short for the hardware prefetchers to follow (a head's
// columns of the KV cache); a panel's rows are contiguous and need none (prefetching them made
// decode steps 1.00–1.09 × slower).
template <class V, int NP, bool Part, bool Prefetch>
inline void accumulateStrip(float* out, const float* x, const float* P, Index ldp, Index next,
                            Index K, Index cols) {
    static_assert(NP == 1 || !Part);
    using Reg = typename V::Reg;
    constexpr int w = V::kWidth, NV = int(kPanelCols) / w;
    auto count = [cols](int j) {  // columns in register j, 0 .. w
        const Index left = cols - Index(j) * w;
        return int(left < 0 ? 0 : left > w ? w : left);
    };
    auto load = [&](const float* p, int j) {
        return Part ? V::loadPart(p + j * w, count(j)) : V::load(p + j * w);
    };
    Reg acc[NP][NV];
#pragma GCC unroll 8
    for (int b = 0; b < NP; ++b)
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) acc[b][j] = load(out + b * kPanelCols, j);
    for (Index k = 0; k < K; ++k) {
        const Reg xk = V::broadcast(x[k]);
#pragma GCC unroll 8
        for (int b = 0; b < NP; ++b) {
            const float* row = P + b * next + k * ldp;  // block b, row k
#pragma GCC unroll 8
            for (int j = 0; j < NV; ++j) {
                if (Prefetch && j * w % 16 == 0 && count(j) > 0)
                    __builtin_prefetch(row + kAttendAhead * ldp + j * w);
                acc[b][j] = V::fma(xk, load(row, j), acc[b][j]);
            }
        }
    }
#pragma GCC unroll 8
    for (int b = 0; b < NP; ++b)
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) {
            if (Part)
                V::storePart(out + j * w, acc[b][j], count(j));
            else
                V::store(out + b * kPanelCols + j * w, acc[b][j]);
        }
}

// `panels` full panels from P on, NP at a time while that many are left, then fewer.
template <class V, int NP = V::kDecodePanels>
inline void accumulateFullPanels(float* out, const float* x, const float* P, Index K,
                                 Index panels) {
    const Index size = K * kPanelCols;  // floats per panel
    Index p = 0;
    for (; p + NP <= panels; p += NP)
        accumulateStrip<V, NP, false, false>(out + p * kPanelCols, x, P + p * size, kPanelCols,
                                             size, K, kPanelCols);
    if constexpr (NP > 1)
        if (p < panels)
            accumulateFullPanels<V, NP - 1>(out + p * kPanelCols, x, P + p * size, K, panels - p);
}

// out [cols] += x [K] · W for consecutive panels of a panel-stored W [K, ·], from P on: the full
// panels, then the last one if narrower. kDecodePanels panels at a time, so that each thread
// reads that many streams of memory at once, which the memory delivers faster than one: an fc
// layer's decode product on 2 threads read 71.7 / 79.2 GB/s where one panel at a time read
// 67.7 / 60.3 (two runs, interleaved repetitions).
template <class V>
void accumulatePanels(float* out, const float* x, const float* P, Index K, Index cols) {
    const Index full = cols / kPanelCols, rest = cols - full * kPanelCols;
    accumulateFullPanels<V>(out, x, P, K, full);
    if (rest > 0)
        accumulateStrip<V, 1, true, false>(out + full * kPanelCols, x, P + full * K * kPanelCols,
                                           rest, 0, K, rest);
}

// ---- one query's attention: scores [T] = q [D] · k [T,D]ᵀ, out [D] = p [T] · v [T,D] ----------

// Each score: the fmas over q's registers in order, then one register sum. Every 16 floats (one
// cache line) the same line kAttendAhead rows on is fetched (a prefetch never faults, so the rows
// past the end cost nothing; GCC drops a loop of prefetches alone, hence inside the fma loop).
// The former unembedding's dot tiles computed the same dots but fetched only their next strip (6
// rows) ahead: with them in place of this, BM_DecodeAttention took 2.22–2.25 ms against
// 2.05–2.11 (AVX-512, interleaved).
template <class V>
void queryScores(float* scores, const float* q, const float* k, Index ldk, Index T, Index D) {
    constexpr int w = V::kWidth;
    const Index whole = D / w * w;
    for (Index t = 0; t < T; ++t) {
        const float* row = k + t * ldk;  // k[t, :]
        typename V::Reg acc = V::zero();
        for (Index c = 0; c < whole; c += w) {
            if (c % 16 == 0) __builtin_prefetch(row + kAttendAhead * ldk + c);
            acc = V::fma(V::load(q + c), V::load(row + c), acc);
        }
        if (whole < D) {
            const int count = int(D - whole);
            if (whole % 16 == 0) __builtin_prefetch(row + kAttendAhead * ldk + whole);
            acc = V::fma(V::loadPart(q + whole, count), V::loadPart(row + whole, count), acc);
        }
        scores[t] = V::sum(acc);
    }
}

// out [D] = Σ_t p[t] · v[t, :], kPanelCols columns at a time, each strip down all T rows.
template <class V>
void weightValues(float* out, const float* p, const float* v, Index ldv, Index T, Index D) {
    for (Index c = 0; c < D; ++c) out[c] = 0.0f;
    for (Index c0 = 0; c0 < D; c0 += kPanelCols) {
        const Index cols = D - c0 < kPanelCols ? D - c0 : kPanelCols;
        if (cols == kPanelCols)
            accumulateStrip<V, 1, false, true>(out + c0, p, v + c0, ldv, 0, T, cols);
        else
            accumulateStrip<V, 1, true, true>(out + c0, p, v + c0, ldv, 0, T, cols);
    }
}

// The kernel table of one instruction set: every entry instantiated for V.
template <class V>
constexpr GemmKernels kernelTable(const char* name) {
    return {name,
            &linear<V>,
            &accumulatePanels<V>,
            V::kDecodePanels,
            &queryScores<V>,
            &weightValues<V>};
}

}  // namespace tscope::kernels::impl
