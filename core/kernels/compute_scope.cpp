// Flush-to-zero for the compute threads (ops::ComputeScope), and a short OpenMP spin.
//
// Denormals: Eigen 3.4's AVX2 exp returns 2.9e-39 (a denormal) for inputs <= -88.7, so tiny
// attention weights become denormals and probs · v runs ~100× slower on them. FTZ flushes
// results that would be denormal to 0, DAZ reads denormal inputs as 0; neither changes a
// normal float.
//
// Spin: libgomp spins 300,000 rounds (milliseconds) at every barrier before it sleeps. When
// another process is runnable, the spinning thread keeps its core while the thread it waits
// for queues behind that process, and a 2-thread prefill with ~8 barriers per layer ran 20×
// slower. A short spin followed by a sleep gives the core up and gets a sleeper's quick wake-up.
// libgomp reads GOMP_SPINCOUNT once, in its own constructor, before main and before any static
// constructor of ours; only an entry in the executable's .preinit_array runs earlier.
#include "core/kernels/compute_scope.h"

#include <omp.h>

#include <cstdlib>

#include "core/ops.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define TSCOPE_HAVE_MXCSR 1
#endif

namespace tscope::kernels {

namespace {

// Rounds of libgomp's spin before a waiting thread sleeps (~0.1 ms here; the default is 300k).
constexpr const char* kSpinCount = "20000";

const char* startupWaitPolicy = "";

// Runs from .preinit_array: only getenv/setenv, nothing that needs our own static constructors.
void chooseWaitPolicy(int, char**, char**) {
    if (const char* policy = std::getenv("OMP_WAIT_POLICY")) {
        startupWaitPolicy = policy;
        return;
    }
    if (const char* spin = std::getenv("GOMP_SPINCOUNT")) {
        startupWaitPolicy = spin;
        return;
    }
    setenv("GOMP_SPINCOUNT", kSpinCount, 0);
    startupWaitPolicy = kSpinCount;
}

#if defined(__linux__) && defined(__ELF__)
__attribute__((section(".preinit_array"),
               used)) void (*const preinitWaitPolicy)(int, char**, char**) = &chooseWaitPolicy;
#endif

#ifdef TSCOPE_HAVE_MXCSR
constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
#endif

struct ThreadState {
    int depth = 0;
    unsigned saved = 0;  // MXCSR before the outermost enter
};
thread_local ThreadState state;

}  // namespace

void enterFlushDenormals() {
    if (state.depth++ > 0) return;
#ifdef TSCOPE_HAVE_MXCSR
    state.saved = _mm_getcsr();
    _mm_setcsr(state.saved | kFlushToZero | kDenormalsAreZero);
#endif
}

void leaveFlushDenormals() {
    if (state.depth == 0 || --state.depth > 0) return;
#ifdef TSCOPE_HAVE_MXCSR
    _mm_setcsr(state.saved);
#endif
}

const char* waitPolicy() {
    return startupWaitPolicy;
}

}  // namespace tscope::kernels

namespace tscope::ops {

// The caller, then every other thread of the team the next parallel region will use (libgomp
// keeps a caller's team threads alive between regions, MXCSR included).
ComputeScope::ComputeScope() {
    kernels::enterFlushDenormals();
    if (omp_get_max_threads() == 1) return;
#pragma omp parallel
    if (omp_get_thread_num() != 0) kernels::enterFlushDenormals();
}

ComputeScope::~ComputeScope() {
    if (omp_get_max_threads() > 1) {
#pragma omp parallel
        if (omp_get_thread_num() != 0) kernels::leaveFlushDenormals();
    }
    kernels::leaveFlushDenormals();
}

}  // namespace tscope::ops
