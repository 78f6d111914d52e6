#include "core/npy.h"

#include <fstream>
#include <numeric>
#include <string>

#include "core/error.h"

namespace tscope {

void writeNpy(const std::filesystem::path& path, std::span<const int64_t> shape,
              std::span<const float> values) {
    std::string dims;
    for (int64_t d : shape) dims += std::to_string(d) + ", ";
    if (shape.size() > 1) dims.resize(dims.size() - 1);  // "(3,)" for 1-D, "(3, 4)" otherwise
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    // magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64
    header.append(63 - (10 + header.size()) % 64, ' ');
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error(path.string() + ": cannot open for writing");
    const uint16_t len = uint16_t(header.size());
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(char(len & 0xff)).put(char(len >> 8));
    out << header;
    out.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * 4));
    if (!out) throw Error(path.string() + ": write failed");
}

}  // namespace tscope
