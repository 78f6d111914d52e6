// Fixed-capacity storage for tensors whose leading axis is the sequence position: [capacity, width]
// floats, row-major, that never move. The capacity is the model's context (n_positions), so a row
// never has to be copied to make room, and readers on other threads can keep pointers into rows
// while new rows are appended. The memory is reserved from the OS untouched: a page costs resident
// memory only once a row on it is written, so an unused capacity is free. Pages are made resident
// in batches just before rows on them are written (one madvise for many pages: a page fault per
// 4 KiB page cost ~4 µs on our virtual machine, 0.8 s for a T = 1024 prefill of GPT-2 small), in
// transparent huge pages where a batch covers whole 2 MiB regions (memory_hints.h).
#pragma once

#include <cstddef>

#include "core/tensor.h"

namespace tscope {

class RowStore {
  public:
    RowStore() = default;
    RowStore(Eigen::Index capacity, Eigen::Index width);
    ~RowStore();
    RowStore(RowStore&& other) noexcept;
    RowStore& operator=(RowStore&& other) noexcept;
    RowStore(const RowStore&) = delete;
    RowStore& operator=(const RowStore&) = delete;

    bool empty() const { return data_ == nullptr; }
    Eigen::Index capacity() const { return capacity_; }
    Eigen::Index width() const { return width_; }

    // Rows [t0, t0 + n) for writing: [n, width]. Marks them as touched.
    Eigen::Map<RowMatrix> rows(Eigen::Index t0, Eigen::Index n);
    // The first T rows for reading: [T, width].
    Eigen::Map<const RowMatrix> top(Eigen::Index T) const;
    Eigen::Map<const RowVector> row(Eigen::Index t) const;

    // Copies rows [0, n) of `other` (same width) into this store.
    void copyRows(const RowStore& other, Eigen::Index n);

    // Resident bytes: every page up to the highest row ever written (or the end of the huge page
    // a prefill's rows ended in, see populateTo).
    size_t bytesTouched() const;
    // Address space reserved (capacity · width floats, rounded up to pages or huge pages).
    size_t bytesReserved() const { return mappedBytes_; }

  private:
    float* data_ = nullptr;
    Eigen::Index capacity_ = 0, width_ = 0;
    Eigen::Index highWater_ = 0;  // rows [0, highWater_) have been written at least once
    size_t residentEnd_ = 0;      // bytes [0, residentEnd_) made resident ahead of the rows
    size_t mappedBytes_ = 0;

    // Makes the pages under rows [highWater_, end) resident before they are written.
    void populateTo(Eigen::Index end);
};

}  // namespace tscope
