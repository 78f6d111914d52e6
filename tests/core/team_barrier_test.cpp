// TeamBarrier: no thread leaves a round before every thread has arrived, and what each wrote
// before arriving is visible to all after it — also with more threads than cores, where waiters
// go from spinning to sleeping.
#include "core/kernels/team_barrier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace tscope::kernels {
namespace {

TEST(TeamBarrier, EveryThreadSeesEveryOtherThreadsRoundBeforeGoingOn) {
    for (const int parties : {1, 2, 3, 5}) {
        constexpr int kRounds = 2000;
        TeamBarrier barrier;
        std::vector<int> slots(size_t(parties), -1);  // plain ints: the barrier orders them
        std::atomic<int> mismatches{0};
        std::vector<std::thread> team;
        for (int p = 0; p < parties; ++p)
            team.emplace_back([&, p] {
                for (int round = 0; round < kRounds; ++round) {
                    slots[size_t(p)] = round;
                    barrier.arriveAndWait(parties);
                    for (int other : slots)
                        if (other != round) ++mismatches;
                    barrier.arriveAndWait(parties);  // nobody writes the next round yet
                }
            });
        for (std::thread& thread : team) thread.join();
        EXPECT_EQ(mismatches.load(), 0) << parties << " threads";
        EXPECT_EQ(slots, std::vector<int>(size_t(parties), kRounds - 1));
    }
}

}  // namespace
}  // namespace tscope::kernels
