// Which GEMM kernels run: the best this CPU supports unless TSCOPE_KERNELS or setPath says
// otherwise. nullptr means Eigen's own products (a CPU without AVX2 + FMA).
#pragma once

#include <string_view>

#include "core/kernels/gemm.h"

namespace tscope::kernels {

// The kernels in use now; nullptr: use Eigen.
const GemmKernels* active();

// "avx512", "avx2" or "eigen".
const char* activeName();

// Whether this CPU runs `path` ("avx512", "avx2", "eigen", "auto"); false for unknown names.
bool supported(std::string_view path);

// Switches every thread to `path`; "auto" is the best supported. Throws tscope::Error for an
// unknown or unsupported path.
void setPath(std::string_view path);

}  // namespace tscope::kernels
