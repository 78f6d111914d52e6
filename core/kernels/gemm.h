// The products of the forward pass on raw row-major floats, single-threaded, compiled once per
// instruction set (gemm_avx2.cpp, gemm_avx512.cpp) and chosen at runtime (dispatch.h). ops.cpp
// splits the weights' panels over the threads and calls these on each.
//
// Deliberately no Eigen and no standard-library templates in the kernel files: an inline function
// compiled with AVX-512 in one file and without in another is one symbol to the linker, which may
// keep the AVX-512 copy and run it on a CPU without AVX-512.
#pragma once

#include <cstddef>

namespace tscope::kernels {

using Index = std::ptrdiff_t;

// Columns per panel of a panel-stored weight matrix (core/panels.h): 4 AVX-512 or 8 AVX2
// registers, so a decode step keeps a panel's outputs in registers all the way down K.
constexpr Index kPanelCols = 64;

struct GemmKernels {
    const char* name;  // "avx2", "avx512"
    // out [n,cols] = x [n,K] · W [K,cols] + b [cols]; rows ldo, ldx, ldw floats apart.
    // W in GPT-2's Conv1D layout [in, out]: ops.cpp passes one panel (ldw = its width); out
    // must not overlap x.
    void (*linear)(float* out, Index ldo, const float* x, Index ldx, const float* W, Index ldw,
                   const float* b, Index n, Index K, Index cols);
    // out [cols] += x [K] · W [K,cols] for a run of consecutive panels of a panel-stored W,
    // starting at panel P (every panel kPanelCols wide but the matrix's last), k ascending: a
    // decode step's product, each output the same chain of fmas as in linear.
    void (*accumulatePanels)(float* out, const float* x, const float* P, Index K, Index cols);
    int decodePanels;  // full panels accumulatePanels reads side by side
    // One query's attention (a decode step), on one head's columns of the KV cache, rows ldk /
    // ldv floats apart: scores [T] = q [D] · k [T,D]ᵀ, and out [D] = p [T] · v [T,D].
    void (*queryScores)(float* scores, const float* q, const float* k, Index ldk, Index T, Index D);
    void (*weightValues)(float* out, const float* p, const float* v, Index ldv, Index T, Index D);
};

const GemmKernels& avx2Kernels();    // AVX2 + FMA (x86-64-v3)
const GemmKernels& avx512Kernels();  // AVX-512 F/BW/DQ/VL (x86-64-v4)

}  // namespace tscope::kernels
