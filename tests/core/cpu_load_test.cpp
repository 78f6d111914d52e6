// The busy-core probe that picks a forward pass's thread count (core/cpu_load.h).
#include "core/cpu_load.h"

#include <gtest/gtest.h>
#include <omp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "core/forward.h"
#include "core/model.h"

namespace tscope {
namespace {

TEST(CpuLoad, ReadsTheRunnableCountOfALoadAvgLine) {
    EXPECT_EQ(runnableInLoadAvg("0.44 1.54 1.85 2/345 15460\n"), 2);
    EXPECT_EQ(runnableInLoadAvg("12.00 9.50 3.25 17/1200 99"), 17);
    EXPECT_EQ(runnableInLoadAvg(""), -1);
    EXPECT_EQ(runnableInLoadAvg("0.44 1.54 1.85"), -1);
    EXPECT_EQ(runnableInLoadAvg("0.44 1.54 1.85 x/345 1"), -1);
    EXPECT_EQ(runnableInLoadAvg("0.44 1.54 1.85 3"), -1);  // no "/total"
}

TEST(CpuLoad, ReadsTheStateAfterTheCommandName) {
    EXPECT_TRUE(runnableInStat("4242 (tscope) R 1 4242 4242 0 -1"));
    EXPECT_FALSE(runnableInStat("4242 (tscope) S 1 4242 4242 0 -1"));
    // a command name may hold ") R": the state follows the last ") "
    EXPECT_FALSE(runnableInStat("4242 (odd) R name) S 1 4242"));
    EXPECT_TRUE(runnableInStat("4242 (odd) S name) R 1 4242"));
    EXPECT_FALSE(runnableInStat(""));
    EXPECT_FALSE(runnableInStat("4242 (tscope) "));
}

TEST(CpuLoad, UsesTheCoresOthersLeaveIdle) {
    EXPECT_EQ(threadsForIdleCores(2, 2, 0), 2);
    EXPECT_EQ(threadsForIdleCores(2, 2, 1), 1);
    EXPECT_EQ(threadsForIdleCores(2, 2, 7), 1);  // never fewer than one
    EXPECT_EQ(threadsForIdleCores(16, 16, 3), 13);
    EXPECT_EQ(threadsForIdleCores(4, 16, 3), 4);  // never more than asked
    EXPECT_EQ(threadsForIdleCores(8, 8, -1), 8);  // a racy negative count is no count
}

// A child process that spins until killed: one task that is always runnable.
class SpinningChild {
  public:
    SpinningChild() : pid_(fork()) {
        if (pid_ == 0)
            for (;;) {
            }
    }
    ~SpinningChild() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    bool started() const { return pid_ > 0; }

  private:
    pid_t pid_;
};

TEST(CpuLoad, CountsAnotherProcessThatSpins) {
    SpinningChild child;
    ASSERT_TRUE(child.started());
    EXPECT_GE(otherRunnableTasks(), 1);
}

TEST(CpuLoad, AForwardPassLeavesTheBusyCoreAlone) {
    SpinningChild child;
    ASSERT_TRUE(child.started());
    Forward forward(loadModel(TSCOPE_FIXTURES "/tiny-gpt2"));  // threads = 0: the idle cores
    int seen = 0;
    const ProgressFn threadCount = [&](int, int) {
        seen = omp_get_max_threads();  // the callback runs on the calling thread
        return true;
    };
    forward.append(std::vector<int>{1, 2, 3}, threadCount);
    EXPECT_GE(seen, 1);
    EXPECT_LE(seen, std::max(1, usableCores() - 1));
}

}  // namespace
}  // namespace tscope
