// Test helpers for model files on disk: a per-test temporary directory, the tiny fixture model's
// tensors as floats, a writer that re-saves them as a model directory in another layout (F16,
// BF16, "transformer." prefix, explicit lm_head.weight, edited config), and a builder for raw,
// possibly malformed, safetensors bytes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/safetensors.h"
#include "core/tensor.h"

namespace tscope::testing {

// tests/fixtures/tiny-gpt2
std::filesystem::path fixtureModelDir();

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

struct NamedTensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;
};

// Every tensor of the fixture's model.safetensors (mask buffers included), sorted by name.
const std::vector<NamedTensor>& fixtureTensors();
std::string fixtureConfigJson();
// The fixture's config.json with other sizes (n_ctx = n_positions), for models built in a test.
std::string configWithSizes(int nEmbd, int nHead, int nLayer, int nPositions, int vocabSize);
// A 2-D tensor of a model file as stored, widened to float: [rows, cols]. Tests compare the
// engine's copies (wteᵀ in panels, say) with it.
RowMatrix fileMatrix(const SafetensorsFile& file, const std::string& name);

// Copy of `tensors` with `name` removed / replaced / added (for missing, extra, wrong-shape cases).
std::vector<NamedTensor> without(std::vector<NamedTensor> tensors, const std::string& name);
std::vector<NamedTensor> with(std::vector<NamedTensor> tensors, NamedTensor tensor);

struct ModelDirOptions {
    DType dtype = DType::F32;
    std::string prefix;           // put before every name but lm_head.weight, e.g. "transformer."
    bool explicitLmHead = false;  // also store lm_head.weight, a copy of wte.weight
    std::string configJson;       // empty: the fixture's config.json
};

// Brace-free builders (aggregate init with omitted fields trips -Wmissing-field-initializers).
ModelDirOptions layout(DType dtype, std::string prefix = {}, bool explicitLmHead = false);
ModelDirOptions withConfig(std::string configJson);

// Writes config.json and model.safetensors into `dir` (created if needed).
void writeModelDir(const std::filesystem::path& dir, const std::vector<NamedTensor>& tensors,
                   const ModelDirOptions& options = {});

void writeFile(const std::filesystem::path& path, std::string_view bytes);
std::string readFile(const std::filesystem::path& path);

// Raw safetensors bytes: u64 little-endian length, `header` padded with spaces to a multiple of
// 8, then `data`. The header is not checked: tests use it to build malformed files.
std::string safetensorsBytes(std::string_view header, std::string_view data = {});

}  // namespace tscope::testing
