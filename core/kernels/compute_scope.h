// Per-thread flush-to-zero: the thread half of ops::ComputeScope, also used by ops kernels that
// run outside a scope (attentionHead, called on demand by views).
#pragma once

namespace tscope::kernels {

// Sets FTZ and DAZ in this thread's MXCSR (nested calls count; the outermost saves the state).
void enterFlushDenormals();
// Undoes one enterFlushDenormals; the outermost restores the saved state. No-op without one.
void leaveFlushDenormals();

// enterFlushDenormals for one scope on the calling thread only.
class ThreadFlushDenormals {
  public:
    ThreadFlushDenormals() { enterFlushDenormals(); }
    ~ThreadFlushDenormals() { leaveFlushDenormals(); }
    ThreadFlushDenormals(const ThreadFlushDenormals&) = delete;
    ThreadFlushDenormals& operator=(const ThreadFlushDenormals&) = delete;
};

// The OpenMP spin count this process started with: set before the OpenMP runtime loaded (see
// compute_scope.cpp), or the user's own OMP_WAIT_POLICY / GOMP_SPINCOUNT; "" when unknown.
const char* waitPolicy();

}  // namespace tscope::kernels
