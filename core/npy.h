// Writes NumPy .npy files (format 1.0, little-endian float32, C order), so any captured tensor
// can be opened with numpy.load for comparison with other implementations.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace tscope {

void writeNpy(const std::filesystem::path& path, std::span<const int64_t> shape,
              std::span<const float> values);

}  // namespace tscope
