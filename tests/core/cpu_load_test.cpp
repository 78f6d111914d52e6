// The busy-core probe that picks a forward pass's thread count (core/cpu_load.h).
#include "core/cpu_load.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

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

TEST(CpuLoad, ReadsTheWaitOfASchedstatLine) {
    EXPECT_EQ(waitInSchedstat("8262123 5534901 41\n"), 5534901);
    EXPECT_EQ(waitInSchedstat("1 0 1"), 0);
    EXPECT_EQ(waitInSchedstat(""), -1);
    EXPECT_EQ(waitInSchedstat("8262123"), -1);
    EXPECT_EQ(waitInSchedstat("8262123 x 41"), -1);
}

TEST(CpuLoad, APassIsSlowedWhenItWaitsAFifthOfItsTime) {
    EXPECT_FALSE(slowedByOthers(100'000'000, 1'500'000));  // 1.5 %: a nice-19 neighbour
    EXPECT_TRUE(slowedByOthers(100'000'000, 33'000'000));  // a third: a core shared evenly
    EXPECT_TRUE(slowedByOthers(100'000'000, 20'000'000));
    EXPECT_FALSE(slowedByOthers(100'000'000, 19'000'000));
    EXPECT_FALSE(slowedByOthers(0, 0));
}

// The wait of this thread, read the way PassThreads reads it.
int64_t ownWaitNs() {
    std::ifstream in("/proc/thread-self/schedstat");
    std::string line;
    std::getline(in, line);
    return waitInSchedstat(line);
}

TEST(CpuLoad, ThisThreadsWaitIsReadable) {
    const int64_t wait = ownWaitNs();
    if (wait < 0) GTEST_SKIP() << "no /proc/thread-self/schedstat (kernel without schedstats)";
    EXPECT_GE(ownWaitNs(), wait);  // a counter: it never goes back
}

}  // namespace
}  // namespace tscope
