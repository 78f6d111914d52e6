// Weight matrices stored in column panels, the layout the linear kernels read.
//
// A [K, N] matrix is cut into panels of kernels::kPanelCols consecutive columns (the last may be
// narrower); each panel is its own row-major [K, width] block, the panels one after another. A
// thread that computes a band of output columns in a decode step then reads one contiguous run
// of memory, which streams at the read bandwidth; the same band of the row-major [K, N] layout is
// a short run of every row, each in another page (47 against 52 GB/s in a stand-alone copy of
// GPT-2-small's decode loop, 2 threads). A panel is also one work item of the prefill's GEMM.
#pragma once

#include <algorithm>
#include <memory>

#include "core/kernels/gemm.h"
#include "core/tensor.h"

namespace tscope {

// Non-owning view of a panel-stored [rows, cols] matrix.
struct PanelsRef {
    const float* data = nullptr;
    Eigen::Index rows = 0, cols = 0;

    Eigen::Index panelCount() const {
        return (cols + kernels::kPanelCols - 1) / kernels::kPanelCols;
    }
    // Columns in panel p: kPanelCols, fewer in the last.
    Eigen::Index panelCols(Eigen::Index p) const {
        return std::min(kernels::kPanelCols, cols - p * kernels::kPanelCols);
    }
    // Panel p, [rows, panelCols(p)] row-major; every panel before it is full width.
    const float* panel(Eigen::Index p) const { return data + p * rows * kernels::kPanelCols; }
    // Columns c0 .. c0 + width − 1 as a matrix of their own: c0 on a panel boundary, and width
    // whole panels or up to the last column.
    PanelsRef middleCols(Eigen::Index c0, Eigen::Index width) const {
        eigen_assert(c0 % kernels::kPanelCols == 0 && c0 + width <= cols &&
                     (width % kernels::kPanelCols == 0 || c0 + width == cols));
        return {panel(c0 / kernels::kPanelCols), rows, width};
    }
    // Column n, [rows], its floats panelCols apart: for wteT, token n's embedding.
    using Column = Eigen::Map<const Vector, 0, Eigen::InnerStride<>>;
    Column col(Eigen::Index n) const {
        const Eigen::Index p = n / kernels::kPanelCols;
        return Column(panel(p) + n % kernels::kPanelCols, rows, Eigen::InnerStride<>(panelCols(p)));
    }
    // Element (k, n) of the matrix.
    float operator()(Eigen::Index k, Eigen::Index n) const { return col(n)(k); }
};

// A panel-stored copy of a matrix, in its own page-aligned anonymous mapping (transparent huge
// pages where the kernel gives them; faulted in with one call, not page by page).
class PanelMatrix {
  public:
    PanelMatrix() = default;
    // Copies the row-major src [rows, cols], whose rows are ld floats apart.
    PanelMatrix(const float* src, Eigen::Index rows, Eigen::Index cols, Eigen::Index ld);
    explicit PanelMatrix(const Eigen::Ref<const RowMatrix>& m)
        : PanelMatrix(m.data(), m.rows(), m.cols(), m.outerStride()) {}

    // A panel-stored copy of srcᵀ [cols, rows] for the row-major src [rows, cols], whose rows are
    // ld floats apart: wteᵀ and lm_headᵀ, so that the unembedding x · lm_headᵀ runs on the panel
    // kernels and a token's embedding is a column (col).
    static PanelMatrix transposed(const float* src, Eigen::Index rows, Eigen::Index cols,
                                  Eigen::Index ld);

    PanelsRef ref() const { return {data_.get(), rows_, cols_}; }

  private:
    PanelMatrix(Eigen::Index rows, Eigen::Index cols);  // allocated, not yet filled

    struct Unmap {
        size_t bytes = 0;
        void operator()(float* p) const;
    };
    std::unique_ptr<float[], Unmap> data_{nullptr, Unmap{}};
    Eigen::Index rows_ = 0, cols_ = 0;
};

}  // namespace tscope
