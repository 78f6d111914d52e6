// Matrix types shared by the engine (position-major storage lives in row_store.h).
//
// Storage convention, written down once: every matrix is row-major. Activations are [T, X]
// (one row per position). GPT-2's Conv1D weights are stored [in, out] as in the checkpoints,
// so a linear layer is y = x · W + b with x [T, in].
#pragma once

#include <Eigen/Core>
#include <limits>

namespace tscope {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;
using RowVector = Eigen::RowVectorXf;
using MatrixMap = Eigen::Map<const RowMatrix>;
using VectorMap = Eigen::Map<const Vector>;

inline constexpr float kNegInf = -std::numeric_limits<float>::infinity();

}  // namespace tscope
