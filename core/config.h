// GPT-2 hyper-parameters as read from a Hugging Face config.json.
#pragma once

#include <filesystem>
#include <string>

namespace tscope {

struct ModelConfig {
    int n_layer = 0;
    int n_head = 0;
    int n_embd = 0;       // C
    int n_positions = 0;  // context length (n_positions, else n_ctx)
    int vocab_size = 0;   // V
    int n_inner = 0;      // MLP width; config null/absent = 4·C
    float layer_norm_epsilon = 1e-5f;
    std::string activation = "gelu_new";

    int headDim() const { return n_embd / n_head; }
};

// Parses and validates config.json; throws tscope::Error naming the file and the field.
ModelConfig loadConfig(const std::filesystem::path& configJson);
ModelConfig parseConfig(const std::string& jsonText, const std::string& fileNameForErrors);

}  // namespace tscope
