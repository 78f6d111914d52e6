// What this build is: the version (from project(VERSION) in the top CMakeLists.txt, the one place
// it is written), the compiler, the Eigen version, and the CPU code path the math runs on.
// Shown by --version, the About dialog and bug reports.
#pragma once

#include <string>

namespace tscope {

// "0.1.0"
std::string version();
// "GCC 12.2.0" or "Clang 14.0.6"
std::string compilerName();
// "3.4.0": the Eigen headers this build was compiled against
std::string eigenVersion();
// The widest vector instructions the kernels use on this CPU: "AVX-512" or "AVX2+FMA"
// ("x86-64 baseline" on a CPU without AVX2, "portable C++" off x86-64).
std::string cpuPath();

// The --version text: "PROGRAM VERSION" on the first line, then compiler, Eigen and CPU path.
std::string versionText(const std::string& program);

}  // namespace tscope
