// Residual cosine between two prompts: hand-computed cosines, the embedding layer against the
// weights, a shared prefix that gives exactly 1 at every layer, a later difference that does
// not, and positions outside a prompt.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/forward.h"
#include "core/residual_similarity.h"
#include "model_files_util.h"
#include "research_golden_util.h"

namespace tscope {
namespace {

using ::testing::HasSubstr;
using tscope::testing::tinyGpt2;

Capture run(const std::vector<int>& ids) {
    Forward forward(tinyGpt2());
    forward.append(ids);
    return forward.capture();
}

TEST(ResidualSimilarity, CosineByHand) {
    const std::vector<float> a = {1, 0, 0}, b = {1, 1, 0}, zero = {0, 0, 0};
    EXPECT_NEAR(cosineSimilarity(a, b), 1 / std::sqrt(2.0), 1e-12);
    EXPECT_NEAR(cosineSimilarity(b, b), 1, 1e-12);
    const std::vector<float> minusA = {-2, 0, 0};
    EXPECT_NEAR(cosineSimilarity(a, minusA), -1, 1e-12);
    EXPECT_EQ(cosineSimilarity(a, zero), 0);
    const std::vector<float> shorter = {1, 0};
    EXPECT_THROW(cosineSimilarity(a, shorter), Error);
}

// Entry 0 is the embedding wte[t] + wpe[p], recomputed here from the weights.
TEST(ResidualSimilarity, FirstEntryIsTheEmbeddingsCosine) {
    const Capture a = run({464, 1176, 8801}), b = run({40, 8801});
    const auto cos = residualCosineByLayer(a, 2, b, 1);
    ASSERT_EQ(cos.size(), size_t(a.layers() + 1));
    const auto& w = tinyGpt2()->weights;
    const RowMatrix tok = testing::fileMatrix(*w.file, "wte.weight");  // [V,C]
    const RowVector x = tok.row(8801) + w.wpe.map().row(2);
    const RowVector y = tok.row(8801) + w.wpe.map().row(1);
    const double expected = double(x.dot(y)) / (double(x.norm()) * double(y.norm()));
    EXPECT_NEAR(cos[0], expected, 1e-5);
    EXPECT_LT(cos[0], 0.99999);  // different positions: not the same vector
}

// Causal attention: a token inside a shared prefix sees the same context in both prompts.
TEST(ResidualSimilarity, SharedPrefixIsOneAtEveryLayerAndALaterTokenIsNot) {
    const Capture a = run({464, 1176, 8801, 373, 257}), b = run({464, 1176, 8801, 318, 257});
    for (double c : residualCosineByLayer(a, 2, b, 2)) EXPECT_NEAR(c, 1, 1e-6);
    const auto after = residualCosineByLayer(a, 4, b, 4);  // same token, different context
    EXPECT_NEAR(after[0], 1, 1e-6);                        // the embeddings are equal
    EXPECT_LT(after.back(), 0.9999);                       // the context changed it
}

TEST(ResidualSimilarity, PositionsOutsideAPromptAreErrors) {
    const Capture a = run({464, 1176}), b = run({40});
    EXPECT_THAT([&] { residualCosineByLayer(a, 2, b, 0); },
                ::testing::ThrowsMessage<Error>(HasSubstr("outside the first prompt (2 tokens)")));
    EXPECT_THAT([&] { residualCosineByLayer(a, 0, b, -1); },
                ::testing::ThrowsMessage<Error>(HasSubstr("outside the second prompt")));
}

}  // namespace
}  // namespace tscope
