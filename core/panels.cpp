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

PanelMatrix::PanelMatrix(Eigen::Index rows, Eigen::Index cols)
    : data_(mapFloats(panelBytes(rows, cols)), Unmap{panelBytes(rows, cols)}),
      rows_(rows),
      cols_(cols) {}

PanelMatrix::PanelMatrix(const float* src, Eigen::Index rows, Eigen::Index cols, Eigen::Index ld)
    : PanelMatrix(rows, cols) {
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

PanelMatrix PanelMatrix::transposed(const float* src, Eigen::Index rows, Eigen::Index cols,
                                    Eigen::Index ld) {
    using Strided = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
    PanelMatrix m(cols, rows);  // [cols, rows]
    const PanelsRef view = m.ref();
    // Panel p is srcᵀ's columns n0 .. n0 + width − 1, i.e. src's rows: a [width, cols] block of
    // src (in cache) transposed into [cols, width]. Panels are independent, so the threads share
    // them (a 50257-row wte is 786 panels).
#pragma omp parallel for schedule(dynamic, 8)
    for (Eigen::Index p = 0; p < view.panelCount(); ++p) {
        const Eigen::Index n0 = p * kernels::kPanelCols, width = view.panelCols(p);
        float* out = const_cast<float*>(view.panel(p));
        Eigen::Map<RowMatrix> panel(out, cols, width);  // [cols, width]
        panel = Strided(src + n0 * ld, width, cols, Eigen::OuterStride<>(ld)).transpose();
    }
    return m;
}

}  // namespace tscope
