// How many cores other processes keep busy right now, so that a forward pass on a busy machine
// runs on the idle cores only. A thread of ours that the OS holds back behind another process
// stalls its partners at the next barrier (~8 per layer): with one CPU-bound process on 2 cores,
// a 2-thread prefill at T = 64 took 2.0–3.7× its idle time, a 1-thread one 1.5–1.9×.
// A low-priority neighbour (nice 19) barely delays us, so every thread stays in use until a pass
// with all of them is seen waiting for cores, and such a verdict lasts 2 s.
#pragma once

#include <cstdint>
#include <string_view>

namespace tscope {

// Runnable tasks in a /proc/loadavg line ("0.44 1.54 1.85 2/345 15460" → 2); −1 if malformed.
int runnableInLoadAvg(std::string_view loadavg);

// Whether a /proc/<pid>/task/<tid>/stat line says the thread is running or runnable ('R').
// The state follows the command name in parentheses, which may itself hold ") ".
bool runnableInStat(std::string_view stat);

// Nanoseconds a thread has waited on a run queue, from a /proc/.../schedstat line
// ("run_ns wait_ns timeslices"); −1 if malformed.
int64_t waitInSchedstat(std::string_view schedstat);

// Whether a pass was slowed down by other processes: its thread waited for a core for at least
// a fifth of the pass's wall time (a third when 3 threads share 2 cores evenly; a few per cent
// behind a nice-19 neighbour).
bool slowedByOthers(int64_t wallNs, int64_t waitNs);

// Threads for a pass that wants `wanted` on `cores` cores while `others` tasks of other
// processes are runnable: the cores they leave idle, at least 1, at most `wanted`.
int threadsForIdleCores(int wanted, int cores, int others);

// Tasks runnable on this machine now that are not threads of this process (Linux; 0 where
// /proc cannot be read).
int otherRunnableTasks();

// Cores this process may run on (its CPU affinity).
int usableCores();

// The thread count of one pass that wants `wanted` threads: all of them, unless a pass with all
// of them was slowed down by others in the last 2 s (then threadsForIdleCores on this machine
// now); and, when it used all of them, whether others slowed it down, remembered process-wide.
// Construct on the thread that runs the pass, just before it.
class PassThreads {
  public:
    explicit PassThreads(int wanted);
    ~PassThreads();
    PassThreads(const PassThreads&) = delete;
    PassThreads& operator=(const PassThreads&) = delete;
    int count() const { return count_; }

  private:
    int wanted_, count_;
    int64_t startNs_, startWaitNs_;
};

}  // namespace tscope
