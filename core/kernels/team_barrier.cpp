#include "core/kernels/team_barrier.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace tscope::kernels {

namespace {

// Rounds of the spin before a waiter sleeps: tens of µs, longer than the threads of a decode
// step usually wait for each other, far shorter than a time slice of the OS.
constexpr int kSpinRounds = 4096;

void relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

}  // namespace

void TeamBarrier::arriveAndWait(int parties) {
    const unsigned generation = generation_.load(std::memory_order_acquire);
    if (!arrive(parties, generation)) wait(generation);
}

bool TeamBarrier::arrive(int parties, unsigned generation) {
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) != parties - 1) return false;
    // the last to arrive opens the next generation; nobody arrives again before it does
    arrived_.store(0, std::memory_order_relaxed);
    generation_.store(generation + 1, std::memory_order_release);
    generation_.notify_all();  // no system call unless someone sleeps
    return true;
}

void TeamBarrier::wait(unsigned generation) {
    for (int round = 0; round < kSpinRounds; ++round) {
        if (generation_.load(std::memory_order_acquire) != generation) return;
        relax();
    }
    while (generation_.load(std::memory_order_acquire) == generation)
        generation_.wait(generation, std::memory_order_acquire);
}

}  // namespace tscope::kernels
