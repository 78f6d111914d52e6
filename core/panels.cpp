#include "core/panels.h"

#include <cstring>
#include <new>

#include "core/memory_hints.h"

namespace tscope {

namespace {

// Source rows copied per pass: a pass reads a [16, cols] block of the row-major source in order
// (it stays in cache) and writes 16 rows of every panel. Panel by panel over all rows instead
// reads a short run of every source row, each in another page: the load took several times
// longer.
constexpr Eigen::Index kCopyRows = 16;

size_t panelBytes(Eigen::Index rows, Eigen::Index cols) {
    return std::max<size_t>(size_t(rows * cols) * sizeof(float), 1);
}

float* mapFloats(size_t bytes) {
    void* p = memory::map(bytes);
    memory::adviseHugePages(p, bytes);  // the copy writes every byte
    memory::populate(p, bytes);
    return static_cast<float*>(p);
}

}  // namespace

void PanelMatrix::Unmap::operator()(float* p) const {
    memory::unmap(p, memory::mappedBytes(bytes));
}

PanelMatrix::PanelMatrix(const float* src, Eigen::Index rows, Eigen::Index cols, Eigen::Index ld)
    : data_(mapFloats(panelBytes(rows, cols)), Unmap{panelBytes(rows, cols)}),
      rows_(rows),
      cols_(cols) {
    const PanelsRef view = ref();
    for (Eigen::Index k0 = 0; k0 < rows; k0 += kCopyRows) {
        const Eigen::Index k1 = std::min(rows, k0 + kCopyRows);
        for (Eigen::Index p = 0; p < view.panelCount(); ++p) {
            const Eigen::Index c0 = p * kernels::kPanelCols, width = view.panelCols(p);
            float* panel = const_cast<float*>(view.panel(p));  // [rows, width]
            for (Eigen::Index k = k0; k < k1; ++k)
                std::memcpy(panel + k * width, src + k * ld + c0, size_t(width) * sizeof(float));
        }
    }
}

}  // namespace tscope
