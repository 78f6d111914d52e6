// `tscope-cli info MODEL_DIR`: hyper-parameters, parameter count, dtype, file size, tokenizer.
#include <memory>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/json_out.h"

namespace tscope::cli {

namespace {

json describe(const Model& model) {
    const ModelConfig& c = model.config;
    return {
        {"model_dir", model.directory.string()},
        {"n_layer", c.n_layer},
        {"n_head", c.n_head},
        {"n_embd", c.n_embd},
        {"head_dim", c.headDim()},
        {"n_inner", c.n_inner},
        {"n_positions", c.n_positions},
        {"vocab_size", c.vocab_size},
        {"layer_norm_epsilon", jsonFloat(c.layer_norm_epsilon)},
        {"activation", c.activation},
        {"parameter_count", model.weights.parameterCount},
        {"dtype", dtypeName(model.weights.fileDType)},
        {"tied_lm_head", model.weights.tiedLmHead},
        {"file_bytes", model.weightsFileBytes()},
        {"has_tokenizer", model.tokenizer != nullptr},
        {"tokenizer", tokenizerSource(model)},
    };
}

}  // namespace

Command addInfoCommand(CLI::App& app) {
    auto dir = std::make_shared<std::string>();
    CLI::App* cmd =
        app.add_subcommand("info", "hyper-parameters, parameter count, dtype, file size");
    cmd->add_option("MODEL_DIR", *dir, "model directory (config.json, model.safetensors)")
        ->required();
    return {cmd, [dir] { return describe(*openModel(*dir)); }};
}

}  // namespace tscope::cli
