// Matrix types shared by the engine, and growable buffers for tensors whose leading axis is the
// sequence position (so the KV cache and the capture can append one token without copying).
//
// Storage convention, written down once: every matrix is row-major. Activations are [T, X]
// (one row per position). GPT-2's Conv1D weights are stored [in, out] as in the checkpoints,
// so a linear layer is y = x · W + b with x [T, in].
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <limits>

namespace tscope {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;
using RowVector = Eigen::RowVectorXf;
using MatrixMap = Eigen::Map<const RowMatrix>;
using VectorMap = Eigen::Map<const Vector>;

// [n, width] rows with spare capacity; rows beyond n hold `fill`.
class RowBuffer {
  public:
    explicit RowBuffer(Eigen::Index width = 0, float fill = 0.0f) : width_(width), fill_(fill) {}

    Eigen::Index rows() const { return n_; }
    Eigen::Index cols() const { return width_; }
    void setWidth(Eigen::Index width) { *this = RowBuffer(width, fill_); }

    // Grows or shrinks the logical row count; capacity at least doubles when exceeded.
    void resizeRows(Eigen::Index n) {
        if (n > buf_.rows()) {
            Eigen::Index cap = std::max<Eigen::Index>(n, 2 * buf_.rows());
            RowMatrix grown = RowMatrix::Constant(cap, width_, fill_);
            grown.topRows(n_) = buf_.topRows(n_);
            buf_.swap(grown);
        }
        if (n < n_) buf_.middleRows(n, n_ - n).setConstant(fill_);
        n_ = n;
    }
    void clear() { resizeRows(0); }

    auto view() const { return buf_.topRows(n_); }
    auto view() { return buf_.topRows(n_); }
    auto row(Eigen::Index t) const { return buf_.row(t); }
    auto row(Eigen::Index t) { return buf_.row(t); }
    auto rowsFrom(Eigen::Index t0) { return buf_.middleRows(t0, n_ - t0); }
    auto rowsFrom(Eigen::Index t0) const { return buf_.middleRows(t0, n_ - t0); }
    size_t bytesReserved() const { return size_t(buf_.size()) * sizeof(float); }

  private:
    RowMatrix buf_;
    Eigen::Index n_ = 0;
    Eigen::Index width_;
    float fill_;
};

// [n, n] square (query × key) with spare capacity; cells never written hold `fill`, so the
// causal mask (−inf for scores, 0 for probabilities) is already in place when a row is appended.
class SquareBuffer {
  public:
    explicit SquareBuffer(float fill = 0.0f) : fill_(fill) {}

    Eigen::Index size() const { return n_; }
    void resize(Eigen::Index n) {
        if (n > buf_.rows()) {
            Eigen::Index cap = std::max<Eigen::Index>(n, 2 * buf_.rows());
            RowMatrix grown = RowMatrix::Constant(cap, cap, fill_);
            grown.topLeftCorner(n_, n_) = buf_.topLeftCorner(n_, n_);
            buf_.swap(grown);
        }
        if (n < n_) {  // restore the fill so a later regrowth sees a clean mask
            buf_.middleRows(n, n_ - n).setConstant(fill_);
            buf_.block(0, n, n, n_ - n).setConstant(fill_);
        }
        n_ = n;
    }

    auto view() const { return buf_.topLeftCorner(n_, n_); }
    auto view() { return buf_.topLeftCorner(n_, n_); }
    float operator()(Eigen::Index q, Eigen::Index k) const { return buf_(q, k); }
    float& operator()(Eigen::Index q, Eigen::Index k) { return buf_(q, k); }
    size_t bytesReserved() const { return size_t(buf_.size()) * sizeof(float); }

  private:
    RowMatrix buf_;
    Eigen::Index n_ = 0;
    float fill_;
};

inline constexpr float kNegInf = -std::numeric_limits<float>::infinity();

}  // namespace tscope
