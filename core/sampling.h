// Next-token distribution and sampling: softmax with temperature, top-k, top-p, entropy, and a
// seeded generator that gives the same draws on every platform (no std:: distributions).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tscope {

// Temperature ≤ 0 means argmax (all mass on the largest logit, ties to the lowest id).
// Never returns NaN or Inf, for any temperature > 0 including 1e-6 and 100.
std::vector<float> softmaxWithTemperature(std::span<const float> logits, float temperature);

struct SamplingSettings {
    float temperature = 1.0f;
    int topK = 0;       // 0 = off
    float topP = 1.0f;  // 1 = off
};

// Probabilities after temperature, top-k and top-p (renormalised; filtered ids get 0).
std::vector<float> nextTokenDistribution(std::span<const float> logits,
                                         const SamplingSettings& settings);

float entropyNats(std::span<const float> probs);

// log Σ exp(logits), stable (in double); −inf for an empty span.
float logSumExp(std::span<const float> logits);

// PCG32 (O'Neill): small, fast, identical on every platform.
class Rng {
  public:
    explicit Rng(uint64_t seed = 0x853c49e6748fea9bULL, uint64_t stream = 0xda3e39cb94b95bdbULL);
    uint32_t next();
    double uniform();  // [0, 1) with 53 random bits
  private:
    uint64_t state_, inc_;
};

// Draws an index with the given probabilities (need not be normalised).
int sampleIndex(std::span<const float> probs, Rng& rng);

struct SampledToken {
    int id = 0;
    float prob = 0;  // probability under the settings' distribution
};
SampledToken sampleNext(std::span<const float> logits, const SamplingSettings& settings, Rng& rng);

// Top-k of a probability (or logit) vector, descending, ties broken by lower id.
std::vector<int> topIndices(std::span<const float> values, int k);

}  // namespace tscope
