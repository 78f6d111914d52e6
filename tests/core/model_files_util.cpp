#include "model_files_util.h"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace tscope::testing {

namespace fs = std::filesystem;

fs::path fixtureModelDir() {
    return fs::path(TSCOPE_FIXTURES) / "tiny-gpt2";
}

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tscope-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

const std::vector<NamedTensor>& fixtureTensors() {
    static const std::vector<NamedTensor> tensors = [] {
        auto file = SafetensorsFile::open(fixtureModelDir() / "model.safetensors");
        std::vector<NamedTensor> all;
        for (const auto& [name, info] : file->tensors())
            all.push_back({name, info.shape, file->toFloat(info)});
        return all;
    }();
    return tensors;
}

std::string fixtureConfigJson() {
    return readFile(fixtureModelDir() / "config.json");
}

std::string configWithSizes(int nEmbd, int nHead, int nLayer, int nPositions, int vocabSize) {
    auto config = nlohmann::json::parse(fixtureConfigJson());
    config["n_embd"] = nEmbd;
    config["n_head"] = nHead;
    config["n_layer"] = nLayer;
    config["n_positions"] = config["n_ctx"] = nPositions;
    config["vocab_size"] = vocabSize;
    return config.dump(2);
}

RowMatrix fileMatrix(const SafetensorsFile& file, const std::string& name) {
    const TensorInfo* info = file.find(name);
    if (!info || info->shape.size() != 2) throw std::runtime_error("fileMatrix: no 2-D " + name);
    const std::vector<float> values = file.toFloat(*info);
    return Eigen::Map<const RowMatrix>(values.data(), info->shape[0], info->shape[1]);
}

std::vector<NamedTensor> without(std::vector<NamedTensor> tensors, const std::string& name) {
    auto it = std::find_if(tensors.begin(), tensors.end(),
                           [&](const NamedTensor& t) { return t.name == name; });
    if (it == tensors.end()) throw std::runtime_error("without: no tensor " + name);
    tensors.erase(it);
    return tensors;
}

std::vector<NamedTensor> with(std::vector<NamedTensor> tensors, NamedTensor tensor) {
    std::erase_if(tensors, [&](const NamedTensor& t) { return t.name == tensor.name; });
    tensors.push_back(std::move(tensor));
    return tensors;
}

ModelDirOptions layout(DType dtype, std::string prefix, bool explicitLmHead) {
    ModelDirOptions options;
    options.dtype = dtype;
    options.prefix = std::move(prefix);
    options.explicitLmHead = explicitLmHead;
    return options;
}

ModelDirOptions withConfig(std::string configJson) {
    ModelDirOptions options;
    options.configJson = std::move(configJson);
    return options;
}

void writeModelDir(const fs::path& dir, const std::vector<NamedTensor>& tensors,
                   const ModelDirOptions& options) {
    fs::create_directories(dir);
    std::vector<NamedTensor> lmHead;
    if (options.explicitLmHead)
        for (const NamedTensor& t : tensors)
            if (t.name == "wte.weight") lmHead.push_back({"lm_head.weight", t.shape, t.values});
    std::vector<TensorToWrite> out;
    for (const std::vector<NamedTensor>* list : {&tensors, &std::as_const(lmHead)})
        for (const NamedTensor& t : *list) {
            const bool head = t.name == "lm_head.weight";
            out.push_back({(head ? "" : options.prefix) + t.name, t.shape, t.values});
        }
    writeSafetensors(dir / "model.safetensors", out, options.dtype);
    writeFile(dir / "config.json",
              options.configJson.empty() ? fixtureConfigJson() : options.configJson);
}

void writeFile(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string safetensorsBytes(std::string_view header, std::string_view data) {
    std::string padded(header);
    padded.append((8 - padded.size() % 8) % 8, ' ');
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = char((uint64_t(padded.size()) >> (8 * i)) & 0xff);
    return bytes + padded + std::string(data);
}

}  // namespace tscope::testing
