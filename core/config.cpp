#include "core/config.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_io.h"

namespace tscope {

namespace {

using nlohmann::json;

// Upper bounds far above gpt2-xl (48 layers, 25 heads, 1600 wide, 1024 positions) but low enough
// that a hostile config cannot make the engine reserve absurd buffers.
constexpr int kMaxLayers = 1024;
constexpr int kMaxHeads = 1024;
constexpr int kMaxWidth = 1 << 16;
constexpr int kMaxPositions = 1 << 20;
constexpr int kMaxVocab = 1 << 24;

class ConfigReader {
  public:
    ConfigReader(const json& j, const std::string& file) : j_(j), file_(file) {}

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw Error(file_ + ": field \"" + field + "\" " + what);
    }
    bool has(const std::string& field) const { return j_.contains(field) && !j_[field].is_null(); }

    int integer(const std::string& field, int hi) const {
        if (!has(field)) fail(field, "is missing");
        const json& v = j_[field];
        if (!v.is_number_integer()) fail(field, "must be an integer, got " + v.dump());
        const bool tooBig =
            v.is_number_unsigned() ? v.get<uint64_t>() > uint64_t(hi) : v.get<int64_t>() > hi;
        if (tooBig) fail(field, "is " + v.dump() + ", above the limit " + std::to_string(hi));
        if (v.get<int64_t>() <= 0) fail(field, "must be positive, got " + v.dump());
        return int(v.get<int64_t>());
    }

    std::string string(const std::string& field, const std::string& fallback) const {
        if (!has(field)) return fallback;
        if (!j_[field].is_string()) fail(field, "must be a string, got " + j_[field].dump());
        return j_[field].get<std::string>();
    }

    bool boolean(const std::string& field, bool fallback) const {
        if (!has(field)) return fallback;
        if (!j_[field].is_boolean()) fail(field, "must be true or false, got " + j_[field].dump());
        return j_[field].get<bool>();
    }

    float epsilon(const std::string& field, float fallback) const {
        if (!has(field)) return fallback;
        const json& v = j_[field];
        if (!v.is_number()) fail(field, "must be a number, got " + v.dump());
        const double e = v.get<double>();
        if (!(e > 0.0 && e < 1.0)) fail(field, "must be in (0, 1), got " + v.dump());
        // LayerNorm adds it in float: 1e-75 would become 0 and a constant row NaN
        const auto f = float(e);
        if (!(f > 0.0f && f < 1.0f))
            fail(field, "is " + v.dump() + ", which rounds to " + (f > 0.0f ? "1" : "0") +
                            " as a float; it must stay in (0, 1)");
        return f;
    }

  private:
    const json& j_;
    const std::string& file_;
};

// gelu_pytorch_tanh is PyTorch's name for the same tanh approximation as gelu_new.
std::string activation(const ConfigReader& r) {
    std::string a = r.string("activation_function", "gelu_new");
    if (a == "gelu_new" || a == "gelu_pytorch_tanh") return "gelu_new";
    r.fail("activation_function", "is \"" + a + "\"; only gelu_new (tanh GELU) is supported");
}

// Options that change GPT-2's math; we implement the defaults only, so refuse anything else.
void rejectVariants(const ConfigReader& r) {
    std::string type = r.string("model_type", "gpt2");
    if (type != "gpt2") r.fail("model_type", "is \"" + type + "\"; only gpt2 is supported");
    if (!r.boolean("scale_attn_weights", true))
        r.fail("scale_attn_weights", "false is not supported");
    if (r.boolean("scale_attn_by_inverse_layer_idx", false))
        r.fail("scale_attn_by_inverse_layer_idx", "true is not supported");
    if (r.boolean("add_cross_attention", false))
        r.fail("add_cross_attention", "true is not supported");
}

ModelConfig readConfig(const ConfigReader& r) {
    ModelConfig c;
    c.n_layer = r.integer("n_layer", kMaxLayers);
    c.n_head = r.integer("n_head", kMaxHeads);
    c.n_embd = r.integer("n_embd", kMaxWidth);
    if (c.n_embd % c.n_head != 0)
        r.fail("n_embd", "= " + std::to_string(c.n_embd) +
                             " is not divisible by n_head = " + std::to_string(c.n_head));
    // n_positions is the context length; very old configs only have n_ctx
    const char* ctx = r.has("n_positions") ? "n_positions" : "n_ctx";
    c.n_positions = r.integer(ctx, kMaxPositions);
    c.vocab_size = r.integer("vocab_size", kMaxVocab);
    c.n_inner = r.has("n_inner") ? r.integer("n_inner", 4 * kMaxWidth) : 4 * c.n_embd;
    c.layer_norm_epsilon = r.epsilon("layer_norm_epsilon", 1e-5f);
    c.activation = activation(r);
    rejectVariants(r);
    return c;
}

}  // namespace

ModelConfig parseConfig(const std::string& jsonText, const std::string& fileNameForErrors) {
    json j;
    try {
        j = json::parse(jsonText);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
        throw Error(fileNameForErrors + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw Error(fileNameForErrors + ": expected a JSON object");
    return readConfig(ConfigReader(j, fileNameForErrors));
}

ModelConfig loadConfig(const std::filesystem::path& configJson) {
    return parseConfig(readRegularFile(configJson, kConfigFile), configJson.string());
}

}  // namespace tscope
