// GPT-2-shaped models with random weights, in the Hugging Face layout (config.json +
// model.safetensors), for timing and memory measurements: real weights cannot be downloaded here,
// and the cost of a forward pass depends only on the shapes (and, through denormals, on the scale
// of the weights — hence the std knob).
#pragma once

#include <filesystem>
#include <string>

namespace tscope::bench {

struct Gpt2Shape {
    std::string name;
    int layers = 12, heads = 12, width = 768;
    int positions = 1024, vocab = 50257;
    float std = 0.02f;  // of every weight matrix (layer-norm weights are 1, biases 0)
    int64_t parameters() const;
};

Gpt2Shape gpt2Shape(const std::string& name);  // gpt2, gpt2-medium, gpt2-large, gpt2-xl
void writeRandomGpt2(const std::filesystem::path& dir, const Gpt2Shape& shape);

// A temporary model directory written once (by a forked child, so the generator's memory never
// counts in this process's peak RSS), removed at exit.
class RandomModelDir {
  public:
    explicit RandomModelDir(const Gpt2Shape& shape);
    ~RandomModelDir();
    RandomModelDir(const RandomModelDir&) = delete;
    RandomModelDir& operator=(const RandomModelDir&) = delete;
    bool ok() const { return ok_; }
    const std::filesystem::path& dir() const { return dir_; }

  private:
    std::filesystem::path dir_;
    bool ok_ = false;
};

}  // namespace tscope::bench
