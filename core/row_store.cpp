#include "core/row_store.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <new>
#include <string_view>
#include <utility>

#include "core/memory_hints.h"

namespace tscope {

namespace {

// TSCOPE_POPULATE=0 leaves every page to fault in on its own (for side-by-side measurements).
bool populateEnabled() {
    static const bool enabled = [] {
        const char* value = std::getenv("TSCOPE_POPULATE");
        return !(value && std::string_view(value) == "0");
    }();
    return enabled;
}

}  // namespace

RowStore::RowStore(Eigen::Index capacity, Eigen::Index width) : capacity_(capacity), width_(width) {
    assert(capacity >= 0 && width >= 0);
    const size_t bytes = size_t(capacity) * size_t(width) * sizeof(float);
    if (bytes == 0) return;
    // anonymous pages are zero-filled on first touch: reserving the whole context is free
    mappedBytes_ = memory::mappedBytes(bytes);
    data_ = static_cast<float*>(memory::map(bytes));
}

RowStore::~RowStore() {
    memory::unmap(data_, mappedBytes_);
}

RowStore::RowStore(RowStore&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      width_(std::exchange(other.width_, 0)),
      highWater_(std::exchange(other.highWater_, 0)),
      residentEnd_(std::exchange(other.residentEnd_, 0)),
      mappedBytes_(std::exchange(other.mappedBytes_, 0)) {}

RowStore& RowStore::operator=(RowStore&& other) noexcept {
    if (this != &other) {
        this->~RowStore();
        new (this) RowStore(std::move(other));
    }
    return *this;
}

Eigen::Map<RowMatrix> RowStore::rows(Eigen::Index t0, Eigen::Index n) {
    assert(t0 >= 0 && n >= 0 && t0 + n <= capacity_);
    populateTo(t0 + n);
    highWater_ = std::max(highWater_, t0 + n);
    return Eigen::Map<RowMatrix>(data_ + t0 * width_, n, width_);
}

Eigen::Map<const RowMatrix> RowStore::top(Eigen::Index T) const {
    assert(T >= 0 && T <= capacity_);
    return Eigen::Map<const RowMatrix>(data_, T, width_);
}

Eigen::Map<const RowVector> RowStore::row(Eigen::Index t) const {
    assert(t >= 0 && t < capacity_);
    return Eigen::Map<const RowVector>(data_ + t * width_, width_);
}

void RowStore::copyRows(const RowStore& other, Eigen::Index n) {
    assert(other.width_ == width_ && n <= other.capacity_ && n <= capacity_);
    if (n > 0) rows(0, n) = other.top(n);
}

size_t RowStore::bytesTouched() const {
    const size_t bytes = size_t(highWater_) * size_t(width_) * sizeof(float);
    return std::min(mappedBytes_, std::max(residentEnd_, memory::roundUpToPages(bytes)));
}

void RowStore::populateTo(Eigen::Index end) {
    const size_t resident = bytesTouched();  // every page up to the highest row written so far
    size_t needed = memory::roundUpToPages(size_t(end) * size_t(width_) * sizeof(float));
    // A write onto one new page (a decode step) may as well fault it in.
    if (needed <= resident + memory::pageBytes() || !populateEnabled()) return;
    // The huge page the new rows end in is taken whole once they fill a quarter of it: at most
    // 1.5 MiB per store beyond what the rows need, for no small pages there.
    const size_t huge = memory::kHugePageBytes, last = (needed - 1) / huge * huge;
    if (last >= resident && last + huge <= mappedBytes_ && needed - last >= huge / 4)
        needed = last + huge;
    char* first = reinterpret_cast<char*>(data_) + resident;
    memory::adviseHugePages(first, needed - resident);
    memory::populate(first, needed - resident);
    residentEnd_ = needed;
}

}  // namespace tscope
