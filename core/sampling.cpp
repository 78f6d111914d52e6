#include "core/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace tscope {

namespace {

// NaN logits rank below everything (as −inf), so orderings stay strict weak orderings.
double rankValue(float v) {
    return std::isnan(v) ? -std::numeric_limits<double>::infinity() : double(v);
}

// Higher value first; equal values keep the lower id first.
auto descendingByValue(std::span<const float> values) {
    return [values](int a, int b) {
        const double va = rankValue(values[size_t(a)]), vb = rankValue(values[size_t(b)]);
        return va > vb || (va == vb && a < b);
    };
}

int argmax(std::span<const float> logits) {
    int best = 0;
    for (size_t i = 1; i < logits.size(); ++i)
        if (rankValue(logits[i]) > rankValue(logits[size_t(best)])) best = int(i);
    return best;
}

// All mass spread evenly over the ids for which `pick` is true.
std::vector<float> uniformOver(std::span<const float> logits, auto pick) {
    std::vector<float> probs(logits.size(), 0.0f);
    size_t n = 0;
    for (size_t i = 0; i < logits.size(); ++i) n += pick(logits[i]) ? 1 : 0;
    for (size_t i = 0; i < logits.size(); ++i)
        if (pick(logits[i])) probs[i] = float(1.0 / double(n));
    return probs;
}

void normalise(std::vector<float>& probs) {
    const double total = std::accumulate(probs.begin(), probs.end(), 0.0);
    for (float& p : probs) p = float(double(p) / total);
}

// Zeroes every id outside the k largest logits (ties at the boundary go to the lower ids).
void keepTopK(std::span<const float> logits, int k, std::vector<float>& probs) {
    if (k <= 0 || size_t(k) >= probs.size()) return;
    std::vector<char> keep(probs.size(), 0);
    for (int id : topIndices(logits, k)) keep[size_t(id)] = 1;
    for (size_t i = 0; i < probs.size(); ++i)
        if (!keep[i]) probs[i] = 0.0f;
}

// Nucleus: keeps the smallest set of most probable ids whose mass reaches p (at least one id).
void keepTopP(std::span<const float> logits, float p, std::vector<float>& probs) {
    if (!(p < 1.0f)) return;
    // only ids that still carry mass can be kept; rank them by logit (ties: lower id first)
    std::vector<int> order;
    for (size_t i = 0; i < probs.size(); ++i)
        if (probs[i] > 0) order.push_back(int(i));
    std::sort(order.begin(), order.end(), descendingByValue(logits));
    const double total = std::accumulate(probs.begin(), probs.end(), 0.0);
    double cumulative = 0;
    size_t kept = 0;
    while (kept < order.size() && (kept == 0 || cumulative < double(p) * total))
        cumulative += probs[size_t(order[kept++])];
    for (size_t i = kept; i < order.size(); ++i) probs[size_t(order[i])] = 0.0f;
}

}  // namespace

std::vector<float> softmaxWithTemperature(std::span<const float> logits, float temperature) {
    if (logits.empty()) return {};
    const int best = argmax(logits);
    const double top = rankValue(logits[size_t(best)]);
    if (!(temperature > 0.0f)) {
        std::vector<float> probs(logits.size(), 0.0f);
        probs[size_t(best)] = 1.0f;
        return probs;
    }
    // degenerate inputs: +inf logits share all the mass; all −inf/NaN means no preference
    if (top == std::numeric_limits<double>::infinity())
        return uniformOver(logits, [](float v) { return std::isinf(v) && v > 0; });
    if (top == -std::numeric_limits<double>::infinity())
        return uniformOver(logits, [](float) { return true; });

    // p_i = exp((l_i − max) / T) / Σ_j exp((l_j − max) / T), in double: the largest term is
    // exp(0) = 1, so the sum is ≥ 1 and nothing overflows for any T > 0
    std::vector<double> e(logits.size());
    double sum = 0;
    for (size_t i = 0; i < logits.size(); ++i) {
        e[i] = std::exp((rankValue(logits[i]) - top) / double(temperature));
        sum += e[i];
    }
    std::vector<float> probs(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) probs[i] = float(e[i] / sum);
    return probs;
}

std::vector<float> nextTokenDistribution(std::span<const float> logits,
                                         const SamplingSettings& settings) {
    std::vector<float> probs = softmaxWithTemperature(logits, settings.temperature);
    if (probs.empty()) return probs;
    keepTopK(logits, settings.topK, probs);
    keepTopP(logits, settings.topP, probs);
    normalise(probs);
    return probs;
}

float logSumExp(std::span<const float> logits) {
    if (logits.empty()) return -std::numeric_limits<float>::infinity();
    const float m = *std::max_element(logits.begin(), logits.end());
    if (!std::isfinite(m)) return m;
    double sum = 0;
    for (float x : logits) sum += std::exp(double(x) - m);
    return float(m + std::log(sum));
}

float entropyNats(std::span<const float> probs) {
    // H = −Σ p ln p over the normalised distribution; 0 · ln 0 counts as 0
    double total = 0;
    for (float p : probs)
        if (p > 0) total += p;
    if (!(total > 0)) return 0.0f;
    double h = 0;
    for (float p : probs) {
        if (!(p > 0)) continue;
        const double q = double(p) / total;
        h -= q * std::log(q);
    }
    return float(h);
}

// pcg32_srandom_r from O'Neill's reference implementation.
Rng::Rng(uint64_t seed, uint64_t stream) : state_(0), inc_((stream << 1u) | 1u) {
    next();
    state_ += seed;
    next();
}

// pcg32_random_r: an LCG step, output by xorshift-high then random rotation (XSH RR).
uint32_t Rng::next() {
    const uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    const auto xorshifted = uint32_t(((old >> 18u) ^ old) >> 27u);
    const auto rot = uint32_t(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

double Rng::uniform() {
    const uint64_t hi = next();
    const uint64_t lo = next();
    return double(((hi << 32) | lo) >> 11) * 0x1.0p-53;
}

int sampleIndex(std::span<const float> probs, Rng& rng) {
    double total = 0;
    int last = -1;  // last id with positive mass: the guard against rounding in the cumsum
    for (size_t i = 0; i < probs.size(); ++i) {
        if (!(probs[i] > 0)) continue;
        total += probs[i];
        last = int(i);
    }
    if (last < 0 || !std::isfinite(total))
        throw Error("sampling: the probabilities have no positive finite mass");
    const double target = rng.uniform() * total;
    double cumulative = 0;
    for (size_t i = 0; i < probs.size(); ++i) {
        if (!(probs[i] > 0)) continue;
        cumulative += probs[i];
        if (target < cumulative) return int(i);
    }
    return last;
}

SampledToken sampleNext(std::span<const float> logits, const SamplingSettings& settings, Rng& rng) {
    if (logits.empty()) throw Error("sampling: empty logits");
    const std::vector<float> probs = nextTokenDistribution(logits, settings);
    const int id = sampleIndex(probs, rng);
    return {id, probs[size_t(id)]};
}

std::vector<int> topIndices(std::span<const float> values, int k) {
    const size_t n = std::min(values.size(), size_t(std::max(k, 0)));
    std::vector<int> ids(values.size());
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + std::ptrdiff_t(n), ids.end(),
                      descendingByValue(values));
    ids.resize(n);
    return ids;
}

}  // namespace tscope
