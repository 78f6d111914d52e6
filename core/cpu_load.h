// How many cores other processes keep busy right now, so that a forward pass started on a busy
// machine runs on the idle cores only. A thread of ours that the OS holds back behind another
// process stalls its partners at the next barrier (~8 per layer): with one CPU-bound process on
// 2 cores, a 2-thread prefill at T = 64 took 2.0–3.7× its idle time, a 1-thread one 1.5–1.9×.
#pragma once

#include <string_view>

namespace tscope {

// Runnable tasks in a /proc/loadavg line ("0.44 1.54 1.85 2/345 15460" → 2); −1 if malformed.
int runnableInLoadAvg(std::string_view loadavg);

// Whether a /proc/<pid>/task/<tid>/stat line says the thread is running or runnable ('R').
// The state follows the command name in parentheses, which may itself hold ") ".
bool runnableInStat(std::string_view stat);

// Threads for a pass that wants `wanted` on `cores` cores while `others` tasks of other
// processes are runnable: the cores they leave idle, at least 1, at most `wanted`.
int threadsForIdleCores(int wanted, int cores, int others);

// Tasks runnable on this machine now that are not threads of this process (Linux; 0 where
// /proc cannot be read).
int otherRunnableTasks();

// Cores this process may run on (its CPU affinity).
int usableCores();

}  // namespace tscope
