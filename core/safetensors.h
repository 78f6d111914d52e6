// Reader for the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}}, then the
// raw little-endian data. The file is memory-mapped; F32 tensors are used in place (no copy),
// F16 and BF16 are widened to float on request. Every malformation is a tscope::Error that names
// the file, the tensor and the problem. Does not know about GPT-2: see weights.h for that.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tscope {

enum class DType { F32, F16, BF16 };
const char* dtypeName(DType dtype);
size_t dtypeSize(DType dtype);

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // offsets relative to the data section, [begin, end)
    uint64_t end = 0;
    int64_t numel() const;
};

class SafetensorsFile {
  public:
    // Maps and validates the whole header; throws tscope::Error.
    static std::unique_ptr<SafetensorsFile> open(const std::filesystem::path& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::filesystem::path& path() const { return path_; }
    uint64_t fileSize() const { return size_; }
    const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    const TensorInfo* find(const std::string& name) const;

    // Raw bytes of a tensor inside the mapping.
    std::span<const std::byte> bytes(const TensorInfo& info) const;
    // Pointer to F32 data in place, or nullptr if the tensor is not F32 (or, in a file whose
    // header is not padded as the spec's writers do, not 4-byte aligned: use toFloat then).
    const float* f32Data(const TensorInfo& info) const;
    // Values widened to float (F16 subnormals, inf and NaN handled exactly).
    std::vector<float> toFloat(const TensorInfo& info) const;
    // Drops the whole pages inside the tensor's bytes from this process's memory, for a tensor
    // that has been copied elsewhere; its bytes stay readable (read again from the file if used).
    void releasePages(const TensorInfo& info) const;

  private:
    SafetensorsFile() = default;
    std::filesystem::path path_;
    const std::byte* map_ = nullptr;
    uint64_t size_ = 0;
    uint64_t dataStart_ = 0;
    std::map<std::string, TensorInfo> tensors_;
    std::map<std::string, std::string> metadata_;
};

float halfToFloat(uint16_t bits);
float bf16ToFloat(uint16_t bits);
uint16_t floatToHalf(float value);  // round to nearest even
uint16_t floatToBf16(float value);  // round to nearest even

// Writes a safetensors file (tensors sorted by name, header padded to 8 bytes). Used by the tests
// and the benchmark to make models; values are given as float and stored in `dtype`.
struct TensorToWrite {
    std::string name;
    std::vector<int64_t> shape;
    std::span<const float> values;
};
void writeSafetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                      DType dtype);

}  // namespace tscope
