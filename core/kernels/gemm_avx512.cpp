// The GEMM kernels for AVX-512 (F, BW, DQ, VL: x86-64-v4). This file alone is compiled with
// those flags (core/CMakeLists.txt) and runs only after dispatch.cpp has checked the CPU.
// 6 × 64 tiles for linear (24 of the 32 zmm registers accumulate).
// GCC 12 warns "__Y is used uninitialized" inside its own AVX-512 intrinsics (_mm512_undefined_ps)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "core/kernels/gemm.h"

namespace tscope::kernels {

namespace {

struct Avx512 {
    using Reg = __m512;
    static constexpr int kWidth = 16;
    static constexpr int kLinearRows = 6, kLinearVecs = 4, kDepth = 128;
    static constexpr int kDecodePanels = 4;  // panels side by side in accumulatePanels

    static __mmask16 mask(int count) { return __mmask16((1u << count) - 1u); }
    static Reg zero() { return _mm512_setzero_ps(); }
    static Reg load(const float* p) { return _mm512_loadu_ps(p); }
    static Reg loadPart(const float* p, int count) { return _mm512_maskz_loadu_ps(mask(count), p); }
    static void store(float* p, Reg r) { _mm512_storeu_ps(p, r); }
    static void storePart(float* p, Reg r, int count) { _mm512_mask_storeu_ps(p, mask(count), r); }
    static Reg broadcast(float f) { return _mm512_set1_ps(f); }
    static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
    static float sum(Reg r) { return _mm512_reduce_add_ps(r); }
};

}  // namespace

}  // namespace tscope::kernels

#include "core/kernels/gemm_impl.h"

namespace tscope::kernels {

const GemmKernels& avx512Kernels() {
    static constexpr GemmKernels kernels = impl::kernelTable<Avx512>("avx512");
    return kernels;
}

}  // namespace tscope::kernels
