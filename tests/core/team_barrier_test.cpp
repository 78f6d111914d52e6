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

// A waiter puts its wait to use: it calls idle until idle returns false, and never again in that
// round; the last thread to arrive does not wait, so it never calls idle. Each round thread 0
// arrives first and thread 1 arrives only after thread 0's idle is done (and a while later).
TEST(TeamBarrier, IdleRunsWhileWaitingUntilItIsDone) {
    constexpr int kRounds = 100, kIdleCalls = 20;
    TeamBarrier barrier;
    std::atomic<int> firstCalls{0}, lastCalls{0};
    std::vector<int> firstPerRound;
    std::thread last([&] {
        for (int round = 0; round < kRounds; ++round) {
            while (firstCalls.load() < (round + 1) * kIdleCalls) {
            }
            for (int spin = 0; spin < 10000; ++spin) firstCalls.load();  // room for a stray call
            barrier.arriveAndWait(2, [&] { return lastCalls.fetch_add(1) < 0; });
            barrier.arriveAndWait(2);
        }
    });
    for (int round = 0; round < kRounds; ++round) {
        int calls = 0;
        barrier.arriveAndWait(2, [&] {
            firstCalls.fetch_add(1);
            return ++calls < kIdleCalls;
        });
        firstPerRound.push_back(calls);
        barrier.arriveAndWait(2);
    }
    last.join();
    EXPECT_EQ(firstPerRound, std::vector<int>(kRounds, kIdleCalls));
    EXPECT_EQ(lastCalls.load(), 0);
}

// The last thread to arrive does not wait, so it never runs idle.
TEST(TeamBarrier, TheOnlyPartyNeverIdles) {
    TeamBarrier barrier;
    int calls = 0;
    for (int round = 0; round < 10; ++round) barrier.arriveAndWait(1, [&] { return ++calls > 0; });
    EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace tscope::kernels
