// A barrier for the threads of one OpenMP region that meet many times in a short while: a decode
// step's threads meet after every product, ~5 times per layer, each product ~30–120 µs.
//
// A decode step of GPT-2 small as one region meeting at this barrier takes 0.96 × the time of an
// OpenMP region per product (libgomp's fork, join and barrier; median of 9 alternating runs of
// BM_DecodeVsBandwidth, 2026-12-03); on `#pragma omp barrier` the one region gained nothing. A
// waiter spins briefly, then sleeps in the kernel (a futex, through std::atomic::wait), so a thread
// that waits for one the OS holds back gives its core up instead of spinning it away.
#pragma once

#include <atomic>

namespace tscope::kernels {

class TeamBarrier {
  public:
    // Returns once `parties` threads (the same count in every call) have arrived. Everything a
    // thread wrote before arriving is visible to every thread after it returns.
    void arriveAndWait(int parties);
    // The same, calling idle() while it waits, before it spins and sleeps as above, until idle()
    // returns false (nothing more to do) or the last thread arrives: the waiter's time put to use.
    template <class Idle>
    void arriveAndWait(int parties, Idle&& idle) {
        const unsigned generation = generation_.load(std::memory_order_acquire);
        if (arrive(parties, generation)) return;
        while (generation_.load(std::memory_order_acquire) == generation)
            if (!idle()) return wait(generation);
    }

  private:
    // Counts the caller in; true when it was the last of the generation, which it then opens.
    bool arrive(int parties, unsigned generation);
    // Spins, then sleeps, until `generation` has been opened.
    void wait(unsigned generation);

    std::atomic<int> arrived_{0};
    std::atomic<unsigned> generation_{0};  // advances once every party has arrived
};

}  // namespace tscope::kernels
