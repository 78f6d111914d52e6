// Memory we map ourselves (the activation store, the weight panels, the model file) and advice to
// Linux about it. The advice is a hint only: a kernel that refuses it leaves the pages to fault in
// one by one.
#pragma once

#include <cstddef>

namespace tscope::memory {

constexpr size_t kHugePageBytes = size_t(2) << 20;  // x86-64 transparent huge page

// The OS page size, and `bytes` rounded up to whole pages.
size_t pageBytes();
size_t roundUpToPages(size_t bytes);

// Reserves `bytes` of zero-filled address space (untouched pages cost no memory), rounded up to
// whole pages; from one huge page up, rounded up to and aligned on huge pages, so every 2 MiB of
// it can be one. Throws std::bad_alloc when the OS refuses. mappedBytes(bytes) is what to unmap.
void* map(size_t bytes);
size_t mappedBytes(size_t bytes);
void unmap(void* begin, size_t mappedBytes);

// Makes the pages of [begin, begin + bytes) resident in one call (MADV_POPULATE_WRITE, Linux
// 5.14): a page fault per 4 KiB page cost ~4 µs on our virtual machine.
void populate(void* begin, size_t bytes);

// Asks for transparent huge pages on the 2 MiB-aligned regions that lie wholly inside
// [begin, begin + bytes), which the caller is about to write: one fault per 2 MiB instead of 512,
// and on our virtual machine no ~7 µs at the first write of each 4 KiB page even after populate
// (360 ms per 200 MB, against 7 ms in huge pages).
void adviseHugePages(void* begin, size_t bytes);

// Drops the pages that lie wholly inside [begin, begin + bytes) (MADV_DONTNEED): a private file
// mapping reads them from the file again at the next access, anonymous memory reads zeros.
void releasePages(const void* begin, size_t bytes);

}  // namespace tscope::memory
