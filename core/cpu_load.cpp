#include "core/cpu_load.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <limits>
#include <string>
#include <thread>

namespace tscope {

namespace {

// The start of a small /proc file (one read: these files are generated whole).
std::string readProcFile(const char* path) {
    char buffer[512];
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    ::close(fd);
    return n > 0 ? std::string(buffer, size_t(n)) : std::string();
}

// Threads of this process that are running or runnable now (the caller among them).
int ownRunnableThreads() {
    DIR* dir = ::opendir("/proc/self/task");
    if (!dir) return 0;
    int runnable = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.') continue;
        const std::string path = std::string("/proc/self/task/") + entry->d_name + "/stat";
        runnable += runnableInStat(readProcFile(path.c_str())) ? 1 : 0;
    }
    ::closedir(dir);
    return runnable;
}

// Until when (steady clock, ns) passes run on the idle cores only: set when a pass with every
// thread waited for cores. It expires so that a pass with every thread looks again: the
// neighbour may have gone, or may be one that slows us down only now and then.
std::atomic<int64_t> idleCoresOnlyUntilNs{0};
constexpr int64_t kVerdictNs = 2'000'000'000;

int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The calling thread's wait for a core so far, in ns; −1 where unknown.
int64_t threadWaitNs() {
    return waitInSchedstat(readProcFile("/proc/thread-self/schedstat"));
}

}  // namespace

int runnableInLoadAvg(std::string_view loadavg) {
    // fields: load over 1, 5, 15 minutes, then "runnable/total"
    size_t pos = 0;
    for (int field = 0; field < 3; ++field) {
        pos = loadavg.find(' ', pos);
        if (pos == std::string_view::npos) return -1;
        ++pos;
    }
    int runnable = -1;
    const char* end = loadavg.data() + loadavg.size();
    const auto [next, error] = std::from_chars(loadavg.data() + pos, end, runnable);
    if (error != std::errc() || next == end || *next != '/') return -1;
    return runnable;
}

bool runnableInStat(std::string_view stat) {
    const size_t close = stat.rfind(") ");
    return close != std::string_view::npos && close + 2 < stat.size() && stat[close + 2] == 'R';
}

int64_t waitInSchedstat(std::string_view schedstat) {
    const size_t space = schedstat.find(' ');
    if (space == std::string_view::npos) return -1;
    int64_t wait = -1;
    const char* end = schedstat.data() + schedstat.size();
    const auto [next, error] = std::from_chars(schedstat.data() + space + 1, end, wait);
    if (error != std::errc() || next == end || *next != ' ') return -1;
    return wait;
}

bool slowedByOthers(int64_t wallNs, int64_t waitNs) {
    return wallNs > 0 && waitNs >= wallNs / 5;
}

int threadsForIdleCores(int wanted, int cores, int others) {
    return std::clamp(cores - std::max(0, others), 1, std::max(1, wanted));
}

int otherRunnableTasks() {
    // The fewest seen in three looks ~20 µs apart: a CPU-bound neighbour is runnable at every
    // look, a kernel thread that wakes for a moment is not (one look alone saw one in ~0.4 % of
    // looks on an idle machine). Our threads are counted just before each look at the machine's
    // total: a worker of ours only goes from spinning to sleeping between passes, so none that is
    // runnable at the look was missed.
    constexpr int kLooks = 3;
    int fewest = std::numeric_limits<int>::max();
    for (int look = 0; look < kLooks && fewest > 0; ++look) {
        const int own = ownRunnableThreads();
        const int all = runnableInLoadAvg(readProcFile("/proc/loadavg"));
        if (all < 0) return 0;  // no /proc
        fewest = std::min(fewest, std::max(0, all - own));
    }
    return fewest;
}

int usableCores() {
    cpu_set_t set;
    if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return int(std::max(1u, std::thread::hardware_concurrency()));
}

PassThreads::PassThreads(int wanted)
    : wanted_(std::max(1, wanted)),
      count_(wanted_),
      startNs_(nowNs()),
      startWaitNs_(wanted_ > 1 ? threadWaitNs() : -1) {  // one thread: nothing to learn
    // every thread unless a recent pass with all of them was slowed down (then /proc is read)
    if (wanted_ > 1 && startNs_ < idleCoresOnlyUntilNs.load())
        count_ = threadsForIdleCores(wanted_, usableCores(), otherRunnableTasks());
}

PassThreads::~PassThreads() {
    if (count_ < wanted_ || wanted_ == 1) return;  // only a pass with every thread tells
    const int64_t wait = threadWaitNs();
    if (wait < 0 || startWaitNs_ < 0) return;
    const int64_t now = nowNs();
    idleCoresOnlyUntilNs =
        slowedByOthers(now - startNs_, wait - startWaitNs_) ? now + kVerdictNs : 0;
}

}  // namespace tscope
