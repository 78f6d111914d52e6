// The GEMM kernels for AVX2 + FMA (every x86-64-v3 CPU): 6 × 16 tiles for linear (12
// accumulators of the 16 ymm registers).
#include <immintrin.h>

#include "core/kernels/gemm.h"

namespace tscope::kernels {

namespace {

struct Avx2 {
    using Reg = __m256;
    static constexpr int kWidth = 8;
    static constexpr int kLinearRows = 6, kLinearVecs = 2, kDepth = 256;
    // panels side by side in accumulatePanels: two need all 16 registers and the broadcast
    // spills, yet read 7–14 % faster than one (fc and mlp proj shapes, interleaved, two runs)
    static constexpr int kDecodePanels = 2;

    // lanes 0 .. count−1 on
    static __m256i mask(int count) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(count),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static Reg zero() { return _mm256_setzero_ps(); }
    static Reg load(const float* p) { return _mm256_loadu_ps(p); }
    static Reg loadPart(const float* p, int count) { return _mm256_maskload_ps(p, mask(count)); }
    static void store(float* p, Reg r) { _mm256_storeu_ps(p, r); }
    static void storePart(float* p, Reg r, int count) { _mm256_maskstore_ps(p, mask(count), r); }
    static Reg broadcast(float f) { return _mm256_set1_ps(f); }
    static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
    static float sum(Reg r) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(r), _mm256_extractf128_ps(r, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
};

}  // namespace

}  // namespace tscope::kernels

#include "core/kernels/gemm_impl.h"

namespace tscope::kernels {

const GemmKernels& avx2Kernels() {
    static constexpr GemmKernels kernels = impl::kernelTable<Avx2>("avx2");
    return kernels;
}

}  // namespace tscope::kernels
