// The first rows of a run of weight panels fetched into cache ahead of the product that reads
// them: a decode step's thread that waits for its team at a barrier fetches its part of the next
// product meanwhile, so that its share of the memory's bandwidth keeps streaming while it waits
// (a thread alone reads about half of what two read on the 2-core VM: 34–39 against 64–82 GB/s).
#pragma once

#include "core/kernels/gemm.h"

namespace tscope::kernels {

class PanelPrefetch {
  public:
    // Bytes fetched at most: what a thread waits ~10 µs for at most, well inside a 1 MiB L2.
    static constexpr Index kBytes = Index(512) << 10;

    PanelPrefetch() = default;  // fetches nothing
    // P: the run's first panel, K rows of kPanelCols floats; `streams` full panels side by side
    // (accumulatePanels' kDecodePanels, or fewer when the run has fewer), read row by row.
    PanelPrefetch(const float* P, Index K, int streams)
        : P_(P),
          K_(K),
          streams_(streams),
          rows_(streams > 0 ? min(K, kBytes / (Index(streams) * kPanelCols * Index(sizeof(float))))
                            : 0) {}

    // Fetches the next row of each stream; false once all rows to fetch were fetched.
    bool operator()() {
        if (row_ >= rows_) return false;
        for (int b = 0; b < streams_; ++b) {
            const float* line = P_ + b * K_ * kPanelCols + row_ * kPanelCols;
            for (Index c = 0; c < kPanelCols; c += 16)  // a 64-byte line
                __builtin_prefetch(line + c, 0, 2);
        }
        ++row_;
        return true;
    }

    int streams() const { return streams_; }
    Index rows() const { return rows_; }  // rows of each stream fetched in all

  private:
    static Index min(Index a, Index b) { return a < b ? a : b; }

    const float* P_ = nullptr;
    Index K_ = 0;
    int streams_ = 0;
    Index rows_ = 0, row_ = 0;
};

}  // namespace tscope::kernels
