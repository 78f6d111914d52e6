#include "core/memory_hints.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <new>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels answer EINVAL
#endif

namespace tscope::memory {

namespace {

size_t roundUp(size_t bytes, size_t unit) {
    return (bytes + unit - 1) / unit * unit;
}

// madvise(advice) on the `unit`-aligned stretches of `unit` bytes wholly inside
// [begin, begin + bytes).
void adviseWholeUnits(const void* begin, size_t bytes, size_t unit, int advice) {
    const uintptr_t first = roundUp(uintptr_t(begin), unit);
    const uintptr_t last = (uintptr_t(begin) + bytes) / unit * unit;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, advice);
}

}  // namespace

size_t pageBytes() {
    static const size_t page = size_t(sysconf(_SC_PAGESIZE));
    return page;
}

size_t roundUpToPages(size_t bytes) {
    return roundUp(bytes, pageBytes());
}

size_t mappedBytes(size_t bytes) {
    return bytes >= kHugePageBytes ? roundUp(bytes, kHugePageBytes) : roundUpToPages(bytes);
}

void* map(size_t bytes) {
    const size_t size = mappedBytes(bytes);
    const size_t slack = size >= kHugePageBytes ? kHugePageBytes : 0;  // room to align
    void* p =
        ::mmap(nullptr, size + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    if (slack == 0) return p;
    const uintptr_t begin = uintptr_t(p), aligned = roundUp(begin, kHugePageBytes);
    if (aligned > begin) ::munmap(p, aligned - begin);  // the slack before and after
    if (begin + slack > aligned)
        ::munmap(reinterpret_cast<void*>(aligned + size), begin + slack - aligned);
    return reinterpret_cast<void*>(aligned);
}

void unmap(void* begin, size_t mappedBytes) {
    if (begin) ::munmap(begin, mappedBytes);
}

void populate(void* begin, size_t bytes) {
    if (bytes > 0) ::madvise(begin, bytes, MADV_POPULATE_WRITE);
}

void adviseHugePages(void* begin, size_t bytes) {
    adviseWholeUnits(begin, bytes, kHugePageBytes, MADV_HUGEPAGE);
}

void releasePages(const void* begin, size_t bytes) {
    adviseWholeUnits(begin, bytes, pageBytes(), MADV_DONTNEED);
}

}  // namespace tscope::memory
