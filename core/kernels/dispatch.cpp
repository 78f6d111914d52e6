#include "core/kernels/dispatch.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace tscope::kernels {

namespace {

bool cpuHasAvx2() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpuHasAvx512() {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && cpuHasAvx2();
}

const GemmKernels* best() {
    if (cpuHasAvx512()) return &avx512Kernels();
    if (cpuHasAvx2()) return &avx2Kernels();
    return nullptr;
}

// The kernels for a supported path name.
const GemmKernels* byName(std::string_view path) {
    if (path == "avx512") return &avx512Kernels();
    if (path == "avx2") return &avx2Kernels();
    if (path == "eigen") return nullptr;
    return best();  // "auto"
}

// TSCOPE_KERNELS=avx2|avx512|eigen|auto picks the kernels at start; a path this CPU lacks falls
// back to the best one it has, with a note on stderr.
const GemmKernels* fromEnvironment() {
    const char* wanted = std::getenv("TSCOPE_KERNELS");
    if (!wanted || !*wanted) return best();
    if (!supported(wanted)) {
        std::fprintf(stderr, "TSCOPE_KERNELS=%s: not available on this CPU, using %s\n", wanted,
                     best() ? best()->name : "eigen");
        return best();
    }
    return byName(wanted);
}

std::atomic<const GemmKernels*>& slot() {
    static std::atomic<const GemmKernels*> kernels{fromEnvironment()};
    return kernels;
}

}  // namespace

const GemmKernels* active() {
    return slot().load(std::memory_order_relaxed);
}

const char* activeName() {
    const GemmKernels* kernels = active();
    return kernels ? kernels->name : "eigen";
}

bool supported(std::string_view path) {
    if (path == "avx512") return cpuHasAvx512();
    if (path == "avx2") return cpuHasAvx2();
    return path == "eigen" || path == "auto";
}

void setPath(std::string_view path) {
    if (!supported(path))
        throw Error("kernel path '" + std::string(path) +
                    "' is unknown or not supported by this CPU (choose avx512, avx2, eigen or "
                    "auto)");
    slot().store(byName(path), std::memory_order_relaxed);
}

}  // namespace tscope::kernels
