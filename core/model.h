// A GPT-2 model directory in Hugging Face layout: config.json, model.safetensors, and (optional)
// vocab.json + merges.txt. Without tokenizer files the model still runs on token ids.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "core/config.h"
#include "core/tokenizer.h"
#include "core/weights.h"

namespace tscope {

struct Model {
    std::filesystem::path directory;
    ModelConfig config;
    ModelWeights weights;
    std::shared_ptr<const Tokenizer> tokenizer;  // null when the directory has no tokenizer files

    uint64_t weightsFileBytes() const { return weights.file ? weights.file->fileSize() : 0; }
};

// Loads a model directory; throws tscope::Error naming the file and what is wrong.
std::shared_ptr<const Model> loadModel(const std::filesystem::path& directory);

}  // namespace tscope
