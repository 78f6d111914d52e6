// Sampling: softmax with temperature, top-k / top-p filters, entropy, the PCG32 generator against
// O'Neill's reference outputs, and chi-square checks of the sampler with fixed seeds (so the
// statistical tests are deterministic, never flaky).
#include "core/sampling.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"

namespace tscope {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::Pointwise;

void expectFiniteDistribution(const std::vector<float>& probs) {
    double sum = 0;
    for (float p : probs) {
        ASSERT_TRUE(std::isfinite(p));
        ASSERT_GE(p, 0.0f);
        sum += p;
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
}

// Σ (observed − expected)² / expected over the categories with expected > 0.
double chiSquare(const std::vector<int>& counts, const std::vector<double>& probs, int draws) {
    double chi2 = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        const double expected = probs[i] * draws;
        if (expected > 0) chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
    }
    return chi2;
}

// --- PCG32 ---------------------------------------------------------------------------------

TEST(Pcg32, MatchesReferenceSequenceForSeed42Stream54) {
    // pcg32-demo from pcg-random.org: pcg32_srandom_r(&rng, 42u, 54u) then pcg32_random_r
    Rng rng(42, 54);
    std::vector<uint32_t> got;
    for (int i = 0; i < 6; ++i) got.push_back(rng.next());
    EXPECT_THAT(got, ElementsAre(0xa15c02b7u, 0x7b47f409u, 0xba1d3330u, 0x83d2f293u, 0xbfa4784bu,
                                 0xcbed606eu));
}

TEST(Pcg32, UniformTakesHigh53BitsOfTwoDraws) {
    Rng rng(42, 54);
    const uint64_t bits = ((uint64_t(0xa15c02b7u) << 32) | 0x7b47f409u) >> 11;
    EXPECT_EQ(rng.uniform(), double(bits) / 9007199254740992.0);  // 2^53
}

TEST(Pcg32, SameSeedSameDrawsOtherSeedOrStreamDiffers) {
    Rng a(7), b(7), c(8), d(7, 1);
    int sameC = 0, sameD = 0;
    for (int i = 0; i < 100; ++i) {
        const uint32_t x = a.next();
        EXPECT_EQ(x, b.next());
        sameC += x == c.next();
        sameD += x == d.next();
    }
    EXPECT_LT(sameC, 3);
    EXPECT_LT(sameD, 3);
}

TEST(Pcg32, UniformIsInUnitIntervalAndEvenlySpread) {
    Rng rng(2024);
    constexpr int kBins = 16, kDraws = 100000;
    std::vector<int> counts(kBins, 0);
    for (int i = 0; i < kDraws; ++i) {
        const double u = rng.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        ++counts[size_t(u * kBins)];
    }
    // 15 degrees of freedom: 99.9 % critical value 37.697
    EXPECT_LT(chiSquare(counts, std::vector<double>(kBins, 1.0 / kBins), kDraws), 37.697);
}

// --- softmax with temperature --------------------------------------------------------------

TEST(Softmax, TemperatureOneIsPlainSoftmax) {
    const std::vector<float> logits = {0.0f, std::log(2.0f), std::log(3.0f)};
    EXPECT_THAT(softmaxWithTemperature(logits, 1.0f),
                Pointwise(FloatNear(1e-6f), std::vector<float>{1 / 6.0f, 2 / 6.0f, 3 / 6.0f}));
}

TEST(Softmax, TemperatureDividesLogits) {
    // logits / 2 = {0, ln 2}  ->  {1/3, 2/3}
    const std::vector<float> logits = {0.0f, 2 * std::log(2.0f)};
    EXPECT_THAT(softmaxWithTemperature(logits, 2.0f),
                Pointwise(FloatNear(1e-6f), std::vector<float>{1 / 3.0f, 2 / 3.0f}));
}

TEST(Softmax, ZeroOrNegativeTemperatureIsArgmaxWithTiesToLowestId) {
    const std::vector<float> logits = {3.0f, 5.0f, 5.0f, 1.0f};
    EXPECT_THAT(softmaxWithTemperature(logits, 0.0f), ElementsAre(0.0f, 1.0f, 0.0f, 0.0f));
    EXPECT_THAT(softmaxWithTemperature(logits, -1.0f), ElementsAre(0.0f, 1.0f, 0.0f, 0.0f));
}

TEST(Softmax, TinyTemperatureHasNoNanAndPicksTheMaximum) {
    const std::vector<float> logits = {1.0f, 1.001f, 0.5f, -1e30f, 0.9f};
    const auto probs = softmaxWithTemperature(logits, 1e-6f);
    expectFiniteDistribution(probs);
    EXPECT_NEAR(probs[1], 1.0f, 1e-6f);

    const std::vector<float> huge = {-1e30f, 1e30f, 3e38f};
    const auto probsHuge = softmaxWithTemperature(huge, 1e-6f);
    expectFiniteDistribution(probsHuge);
    EXPECT_EQ(probsHuge[2], 1.0f);
}

TEST(Softmax, LargeTemperatureIsNearlyUniformAndFinite) {
    const std::vector<float> logits = {-3.0f, 0.0f, 2.0f, 8.0f};
    const auto probs = softmaxWithTemperature(logits, 100.0f);
    expectFiniteDistribution(probs);
    for (size_t i = 0; i < logits.size(); ++i)
        EXPECT_NEAR(
            probs[i],
            std::exp(logits[i] / 100.0) / (std::exp(-0.03) + 1 + std::exp(0.02) + std::exp(0.08)),
            1e-6);
    EXPECT_LT(probs[0], probs[3]);
}

TEST(Softmax, InfiniteAndNanLogitsStayFinite) {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    EXPECT_THAT(softmaxWithTemperature(std::vector<float>{1.0f, -inf, 1.0f}, 1.0f),
                Pointwise(FloatNear(1e-7f), std::vector<float>{0.5f, 0.0f, 0.5f}));
    EXPECT_THAT(softmaxWithTemperature(std::vector<float>{inf, 1.0f, inf}, 1.0f),
                Pointwise(FloatNear(1e-7f), std::vector<float>{0.5f, 0.0f, 0.5f}));
    EXPECT_THAT(softmaxWithTemperature(std::vector<float>{-inf, -inf}, 1.0f),
                Pointwise(FloatNear(1e-7f), std::vector<float>{0.5f, 0.5f}));
    EXPECT_THAT(softmaxWithTemperature(std::vector<float>{nan, 0.0f}, 1.0f),
                Pointwise(FloatNear(1e-7f), std::vector<float>{0.0f, 1.0f}));
    EXPECT_TRUE(softmaxWithTemperature(std::vector<float>{}, 1.0f).empty());
}

// --- top-k, top-p --------------------------------------------------------------------------

// Logits whose softmax is {0.3, 0.05, 0.5, 0.15} (ids deliberately not in probability order).
std::vector<float> handMadeLogits() {
    return {std::log(0.3f), std::log(0.05f), std::log(0.5f), std::log(0.15f)};
}

TEST(TopK, KeepsKLargestAndRenormalises) {
    SamplingSettings s;
    s.topK = 2;
    // kept: id 2 (0.5) and id 0 (0.3) -> 0.625, 0.375
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s),
                Pointwise(FloatNear(1e-6f), std::vector<float>{0.375f, 0.0f, 0.625f, 0.0f}));
    s.topK = 1;
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s), ElementsAre(0.0f, 0.0f, 1.0f, 0.0f));
    s.topK = 10;  // more than the vocabulary: no filtering
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s),
                Pointwise(FloatNear(1e-6f), std::vector<float>{0.3f, 0.05f, 0.5f, 0.15f}));
}

TEST(TopK, TiesAtTheBoundaryGoToLowerIds) {
    SamplingSettings s;
    s.topK = 2;  // id 1 (logit 2), then id 0 wins the tie among the ids with logit 1
    const float e = std::exp(1.0f);
    EXPECT_THAT(nextTokenDistribution(std::vector<float>{1.0f, 2.0f, 1.0f, 1.0f}, s),
                Pointwise(FloatNear(1e-6f), std::vector<float>{1 / (1 + e), e / (1 + e), 0, 0}));
}

TEST(TopP, KeepsSmallestSetReachingP) {
    SamplingSettings s;
    s.topP = 0.75f;  // 0.5 < 0.75, 0.5 + 0.3 >= 0.75 -> ids 2, 0
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s),
                Pointwise(FloatNear(1e-6f), std::vector<float>{0.375f, 0.0f, 0.625f, 0.0f}));
    s.topP = 0.85f;  // 0.8 < 0.85 -> add id 3 (0.15)
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s),
                Pointwise(FloatNear(1e-6f),
                          std::vector<float>{0.3f / 0.95f, 0.0f, 0.5f / 0.95f, 0.15f / 0.95f}));
    s.topP = 0.4f;  // the top token alone already reaches p
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s), ElementsAre(0.0f, 0.0f, 1.0f, 0.0f));
    s.topP = 0.0f;  // always keeps at least one token
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s), ElementsAre(0.0f, 0.0f, 1.0f, 0.0f));
}

TEST(TopP, AppliesAfterTopKOnTheRenormalisedMass) {
    SamplingSettings s;
    s.topK = 3;      // {0.5, 0.3, 0.15} / 0.95 = {0.526, 0.316, 0.158}
    s.topP = 0.82f;  // 0.526 + 0.316 = 0.842 >= 0.82 -> ids 2, 0
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s),
                Pointwise(FloatNear(1e-6f), std::vector<float>{0.375f, 0.0f, 0.625f, 0.0f}));
}

TEST(TopP, TemperatureZeroStaysArgmax) {
    SamplingSettings s;
    s.temperature = 0;
    s.topK = 3;
    s.topP = 0.9f;
    EXPECT_THAT(nextTokenDistribution(handMadeLogits(), s), ElementsAre(0.0f, 0.0f, 1.0f, 0.0f));
}

TEST(TopIndices, DescendingWithTiesToLowerId) {
    const std::vector<float> v = {1.0f, 3.0f, 3.0f, 2.0f, -1.0f};
    EXPECT_THAT(topIndices(v, 3), ElementsAre(1, 2, 3));
    EXPECT_THAT(topIndices(v, 10), ElementsAre(1, 2, 3, 0, 4));
    EXPECT_TRUE(topIndices(v, 0).empty());
}

// --- entropy -------------------------------------------------------------------------------

TEST(Entropy, UniformIsLnNAndOneHotIsZero) {
    for (int n : {1, 2, 7, 50257})
        EXPECT_NEAR(entropyNats(std::vector<float>(size_t(n), 1.0f / float(n))), std::log(n), 1e-5);
    EXPECT_EQ(entropyNats(std::vector<float>{0.0f, 1.0f, 0.0f}), 0.0f);
}

TEST(Entropy, MatchesHandComputedValue) {
    // H(0.5, 0.25, 0.25) = 1.5 ln 2
    EXPECT_NEAR(entropyNats(std::vector<float>{0.5f, 0.25f, 0.25f}), 1.5 * std::log(2.0), 1e-6);
}

// --- sampling ------------------------------------------------------------------------------

TEST(SampleIndex, FrequenciesPassChiSquare) {
    const std::vector<double> p = {0.05, 0.1, 0.2, 0.02, 0.13, 0.25, 0.01, 0.04, 0.08, 0.12};
    const std::vector<float> probs(p.begin(), p.end());
    Rng rng(12345);
    constexpr int kDraws = 100000;
    std::vector<int> counts(p.size(), 0);
    for (int i = 0; i < kDraws; ++i) ++counts[size_t(sampleIndex(probs, rng))];
    // 9 degrees of freedom: 99.9 % critical value 27.877
    EXPECT_LT(chiSquare(counts, p, kDraws), 27.877);
}

TEST(SampleIndex, UnnormalisedWeightsAndZeroMass) {
    const std::vector<float> weights = {0.0f, 3.0f, 0.0f, 1.0f};
    Rng rng(99);
    constexpr int kDraws = 100000;
    std::vector<int> counts(4, 0);
    for (int i = 0; i < kDraws; ++i) ++counts[size_t(sampleIndex(weights, rng))];
    EXPECT_EQ(counts[0], 0);
    EXPECT_EQ(counts[2], 0);
    // 1 degree of freedom (two categories with mass): 99.9 % critical value 10.828
    EXPECT_LT(chiSquare(counts, {0.0, 0.75, 0.0, 0.25}, kDraws), 10.828);
}

TEST(SampleIndex, NoMassIsAnError) {
    Rng rng;
    EXPECT_THROW(sampleIndex(std::vector<float>{0.0f, 0.0f}, rng), Error);
    EXPECT_THROW(sampleIndex(std::vector<float>{}, rng), Error);
}

TEST(SampleNext, TopKDrawsFollowTheFilteredDistribution) {
    SamplingSettings s;
    s.topK = 3;  // {0.5, 0.3, 0.15} / 0.95
    Rng rng(777);
    constexpr int kDraws = 100000;
    std::vector<int> counts(4, 0);
    for (int i = 0; i < kDraws; ++i) {
        const SampledToken t = sampleNext(handMadeLogits(), s, rng);
        ++counts[size_t(t.id)];
        const float expected[] = {0.3f / 0.95f, 0.0f, 0.5f / 0.95f, 0.15f / 0.95f};
        ASSERT_NEAR(t.prob, expected[t.id], 1e-6f);
    }
    EXPECT_EQ(counts[1], 0);
    // 2 degrees of freedom: 99.9 % critical value 13.816
    EXPECT_LT(chiSquare(counts, {0.3 / 0.95, 0.0, 0.5 / 0.95, 0.15 / 0.95}, kDraws), 13.816);
}

TEST(SampleNext, SameSeedSameTokens) {
    std::vector<float> logits(1000);
    for (size_t i = 0; i < logits.size(); ++i) logits[i] = float(std::sin(double(i)));
    SamplingSettings s;
    s.temperature = 0.8f;
    s.topP = 0.9f;
    Rng a(5), b(5);
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(sampleNext(logits, s, a).id, sampleNext(logits, s, b).id);
}

}  // namespace
}  // namespace tscope
