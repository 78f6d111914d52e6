#include "app/bench/random_model.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/safetensors.h"
#include "core/sampling.h"

namespace tscope::bench {

namespace {

using Shape = std::vector<int64_t>;

// Every tensor of GPT-2's checkpoint with its shape.
std::vector<std::pair<std::string, Shape>> tensorSpecs(const Gpt2Shape& s) {
    const int64_t C = s.width, F = 4 * int64_t(s.width);
    std::vector<std::pair<std::string, Shape>> specs = {{"wte.weight", {s.vocab, C}},
                                                        {"wpe.weight", {s.positions, C}},
                                                        {"ln_f.weight", {C}},
                                                        {"ln_f.bias", {C}}};
    for (int l = 0; l < s.layers; ++l) {
        const std::string h = "h." + std::to_string(l) + ".";
        for (auto& [name, shape] :
             std::vector<std::pair<std::string, Shape>>{{"ln_1.weight", {C}},
                                                        {"ln_1.bias", {C}},
                                                        {"attn.c_attn.weight", {C, 3 * C}},
                                                        {"attn.c_attn.bias", {3 * C}},
                                                        {"attn.c_proj.weight", {C, C}},
                                                        {"attn.c_proj.bias", {C}},
                                                        {"ln_2.weight", {C}},
                                                        {"ln_2.bias", {C}},
                                                        {"mlp.c_fc.weight", {C, F}},
                                                        {"mlp.c_fc.bias", {F}},
                                                        {"mlp.c_proj.weight", {F, C}},
                                                        {"mlp.c_proj.bias", {C}}})
            specs.emplace_back(h + name, shape);
    }
    return specs;
}

// Matrices uniform in ±std·√3 (variance std²), drawn with the portable PCG32; layer-norm
// weights 1, biases 0.
std::vector<float> values(const std::string& name, int64_t n, float std, Rng& rng) {
    if (name.ends_with("ln_1.weight") || name.ends_with("ln_2.weight") || name == "ln_f.weight")
        return std::vector<float>(size_t(n), 1.0f);
    if (name.ends_with(".bias")) return std::vector<float>(size_t(n), 0.0f);
    const double a = std * std::sqrt(3.0);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = float((2.0 * rng.uniform() - 1.0) * a);
    return v;
}

}  // namespace

int64_t Gpt2Shape::parameters() const {
    int64_t total = 0;
    for (const auto& [name, shape] : tensorSpecs(*this)) {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        total += n;
    }
    return total;
}

Gpt2Shape gpt2Shape(const std::string& name) {
    if (name == "gpt2") return {.name = name};
    if (name == "gpt2-medium") return {.name = name, .layers = 24, .heads = 16, .width = 1024};
    if (name == "gpt2-large") return {.name = name, .layers = 36, .heads = 20, .width = 1280};
    if (name == "gpt2-xl") return {.name = name, .layers = 48, .heads = 25, .width = 1600};
    throw std::invalid_argument("unknown GPT-2 shape '" + name +
                                "' (gpt2, gpt2-medium, gpt2-large, gpt2-xl)");
}

void writeRandomGpt2(const std::filesystem::path& dir, const Gpt2Shape& shape) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "config.json")
        << R"({"model_type": "gpt2", "activation_function": "gelu_new", "n_layer": )"
        << shape.layers << R"(, "n_head": )" << shape.heads << R"(, "n_embd": )" << shape.width
        << R"(, "n_positions": )" << shape.positions << R"(, "n_ctx": )" << shape.positions
        << R"(, "vocab_size": )" << shape.vocab << R"(, "layer_norm_epsilon": 1e-05})";
    Rng rng(2024);
    const auto specs = tensorSpecs(shape);
    std::vector<std::vector<float>> data;
    std::vector<TensorToWrite> tensors;
    data.reserve(specs.size());
    for (const auto& [name, dims] : specs) {
        int64_t n = 1;
        for (int64_t d : dims) n *= d;
        data.push_back(values(name, n, shape.std, rng));
        tensors.push_back({name, dims, data.back()});
    }
    writeSafetensors(dir / "model.safetensors", tensors, DType::F32);
}

RandomModelDir::RandomModelDir(const Gpt2Shape& shape) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("tscope-bench-" + shape.name + "-XXXXXX"))
            .string();
    if (!mkdtemp(pattern.data())) return;
    dir_ = pattern;
    const pid_t pid = fork();
    if (pid == 0) {
        try {
            writeRandomGpt2(dir_, shape);
            // write the dirty pages back now: left to the kernel, the writeback of ~0.5 GB starts
            // ~30 s later, in the middle of the timed benchmarks
            ::sync();
            _exit(0);
        } catch (...) {
            _exit(1);
        }
    }
    int status = 0;
    ok_ =
        pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

RandomModelDir::~RandomModelDir() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

}  // namespace tscope::bench
