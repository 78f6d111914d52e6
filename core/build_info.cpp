#include "core/build_info.h"

#include <Eigen/Core>

#ifndef TSCOPE_VERSION
#error "core/CMakeLists.txt passes TSCOPE_VERSION (project(VERSION)) to this file"
#endif

namespace tscope {

std::string version() {
    return TSCOPE_VERSION;
}

std::string compilerName() {
#if defined(__clang__)
    return "Clang " __clang_version__;
#elif defined(__GNUC__)
    return "GCC " __VERSION__;
#else
    return "an unknown compiler";
#endif
}

std::string eigenVersion() {
    return std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
           std::to_string(EIGEN_MINOR_VERSION);
}

std::string cpuPath() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return "AVX-512";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "AVX2+FMA";
    return "x86-64 baseline";
#else
    return "portable C++";
#endif
}

std::string versionText(const std::string& program) {
    return program + " " + version() + "\nbuilt with " + compilerName() + ", Eigen " +
           eigenVersion() + "\nCPU path: " + cpuPath() + "\n";
}

}  // namespace tscope
