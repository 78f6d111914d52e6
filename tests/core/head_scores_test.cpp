// Head-role scores: hand-computed 3×3 cases (including the null scores), row blocks adding up to
// the whole, golden numbers from the numpy reference on the fixture model, and the repeated
// random probe.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/forward.h"
#include "core/head_scores.h"
#include "core/reported_heads.h"
#include "research_golden_util.h"

namespace tscope {
namespace {

using ::testing::HasSubstr;
using tscope::testing::idsOf;
using tscope::testing::researchGolden;
using tscope::testing::tinyGpt2;

RowMatrix matrix(int n, std::initializer_list<float> values) {
    RowMatrix m(n, n);
    auto it = values.begin();
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) m(i, j) = *it++;
    return m;
}

TEST(HeadScores, HandComputedThreeTokens) {
    // tokens 5 7 5: row 2 repeats token 0 (duplicate key 0) and follows it (induction key 1)
    const RowMatrix A = matrix(3, {1, 0, 0, 0.5f, 0.5f, 0, 0.2f, 0.3f, 0.5f});
    const std::vector<int> t = {5, 7, 5};
    const HeadScores s = headScores(A, t);
    EXPECT_NEAR(*s[HeadScore::PrevToken], (0.5 + 0.3) / 2, 1e-7);
    EXPECT_NEAR(*s[HeadScore::FirstToken], (0.5 + 0.2) / 2, 1e-7);
    EXPECT_NEAR(*s[HeadScore::Self], (1 + 0.5 + 0.5) / 3, 1e-7);
    EXPECT_NEAR(*s[HeadScore::DuplicateToken], 0.2, 1e-7);
    EXPECT_NEAR(*s[HeadScore::Induction], 0.3, 1e-7);
    const double h1 = std::log(2.0);
    const double h2 = -(0.2 * std::log(0.2) + 0.3 * std::log(0.3) + 0.5 * std::log(0.5));
    EXPECT_NEAR(*s[HeadScore::Entropy], (h1 + h2) / 2, 1e-6);
}

TEST(HeadScores, SumsOverSeveralMatchingKeys) {
    // tokens 9 9 9: row 2 has duplicate keys 0, 1 and induction key 1 (t[0] = t[2])
    const RowMatrix A = matrix(3, {1, 0, 0, 0.4f, 0.6f, 0, 0.1f, 0.2f, 0.7f});
    const HeadScores s = headScores(A, std::vector<int>{9, 9, 9});
    EXPECT_NEAR(*s[HeadScore::DuplicateToken], (0.4 + (0.1 + 0.2)) / 2, 1e-7);
    EXPECT_NEAR(*s[HeadScore::Induction], 0.2, 1e-7);  // row 1 has no j with 1 ≤ j ≤ 0
}

TEST(HeadScores, ScoresWithoutRowsAreNull) {
    const HeadScores two = headScores(matrix(2, {1, 0, 0.25f, 0.75f}), std::vector<int>{1, 2});
    EXPECT_FALSE(two[HeadScore::DuplicateToken]);
    EXPECT_FALSE(two[HeadScore::Induction]);
    EXPECT_NEAR(*two[HeadScore::PrevToken], 0.25, 1e-7);
    const HeadScores one = headScores(matrix(1, {1}), std::vector<int>{3});
    EXPECT_NEAR(*one[HeadScore::Self], 1, 1e-7);
    for (HeadScore s : {HeadScore::PrevToken, HeadScore::FirstToken, HeadScore::Entropy,
                        HeadScore::DuplicateToken, HeadScore::Induction})
        EXPECT_FALSE(one[s]) << headScoreName(s);
}

TEST(HeadScores, RowBlocksAddUpToTheWholePattern) {
    const RowMatrix A = matrix(3, {1, 0, 0, 0.5f, 0.5f, 0, 0.2f, 0.3f, 0.5f});
    const std::vector<int> t = {5, 7, 5};
    HeadScoreAccumulator acc;
    acc.addRows(A.topRows(2), 0, t);
    acc.addRows(A.bottomRows(1), 2, t);
    const HeadScores whole = headScores(A, t), parts = acc.scores();
    for (int s = 0; s < kHeadScoreCount; ++s)
        EXPECT_NEAR(*parts.values[size_t(s)], *whole.values[size_t(s)], 1e-12);
}

TEST(HeadScores, RejectsAPatternLongerThanTheTokens) {
    EXPECT_THROW(headScores(matrix(2, {1, 0, 0.5f, 0.5f}), std::vector<int>{1}), Error);
}

void expectGridMatchesGolden(const HeadScoreGrid& grid, const nlohmann::json& heads) {
    ASSERT_EQ(size_t(grid.layers * grid.heads), heads.size());
    for (const auto& want : heads) {
        const HeadScores& got = grid.at(want["layer"], want["head"]);
        for (int s = 0; s < kHeadScoreCount; ++s) {
            const char* name = headScoreName(HeadScore(s));
            const auto value = got.values[size_t(s)];
            if (want[name].is_null()) {
                EXPECT_FALSE(value) << name;
                continue;
            }
            ASSERT_TRUE(value) << name;
            EXPECT_NEAR(*value, want[name].get<double>(), 1e-4)
                << name << " of " << want["layer"] << "." << want["head"];
        }
    }
}

TEST(HeadScores, AtlasMatchesTheNumpyReference) {
    for (const auto& c : researchGolden()["scores"]) {
        const std::vector<int> ids = idsOf(c["ids"]);
        Forward forward(tinyGpt2());
        forward.append(ids);
        expectGridMatchesGolden(headScoreGrid(forward.capture()), c["heads"]);
        expectGridMatchesGolden(headScoreGrid(tinyGpt2(), ids), c["heads"]);
    }
}

TEST(RepeatedProbe, EndOfTextThenTheSameRandomIdsTwice) {
    const ModelConfig& cfg = tinyGpt2()->config;
    const std::vector<int> ids = repeatedRandomIds(cfg, 20, 7);
    ASSERT_EQ(ids.size(), 41u);
    EXPECT_EQ(ids[0], 50256);
    for (int i = 1; i <= 20; ++i) {
        EXPECT_EQ(ids[size_t(i)], ids[size_t(i + 20)]);
        EXPECT_GE(ids[size_t(i)], 0);
        EXPECT_LT(ids[size_t(i)], 50256);
    }
    EXPECT_EQ(repeatedRandomIds(cfg, 20, 7), ids);
    EXPECT_NE(repeatedRandomIds(cfg, 20, 8), ids);
}

TEST(RepeatedProbe, SmallVocabularyUsesTheLastIdAndLongProbesAreRefused) {
    ModelConfig cfg;
    cfg.vocab_size = 10;
    cfg.n_positions = 9;
    EXPECT_EQ(endOfTextId(cfg), 9);
    const std::vector<int> ids = repeatedRandomIds(cfg, 4, 1);
    EXPECT_EQ(ids[0], 9);
    for (size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i], 9);
    try {
        repeatedRandomIds(cfg, 5, 1);
        FAIL() << "11 tokens fit a context of 9";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("context"));
    }
}

TEST(RepeatedProbe, AveragesTheSeeds) {
    const auto model = tinyGpt2();
    const HeadScoreGrid a = headScoreGrid(model, repeatedRandomIds(model->config, 10, 3));
    const HeadScoreGrid b = headScoreGrid(model, repeatedRandomIds(model->config, 10, 4));
    const HeadScoreGrid mean = repeatedProbeScores(model, 10, 3, 2);
    for (size_t c = 0; c < mean.cells.size(); ++c) {
        auto ind = [&](const HeadScoreGrid& g) { return *g.cells[c][HeadScore::Induction]; };
        EXPECT_NEAR(ind(mean), (ind(a) + ind(b)) / 2, 1e-12);
    }
}

}  // namespace
}  // namespace tscope

namespace tscope {
namespace {

TEST(ReportedHeads, OnlyForGpt2SmallShape) {
    ModelConfig cfg;
    cfg.n_layer = 12;
    cfg.n_head = 12;
    cfg.vocab_size = 50257;
    const auto heads = reportedHeads(cfg);
    ASSERT_EQ(heads.size(), 15u);
    EXPECT_EQ(heads[0].layer, 4);
    EXPECT_EQ(heads[0].head, 11);
    EXPECT_EQ(heads[0].role, "previous-token");
    cfg.n_head = 16;
    EXPECT_TRUE(reportedHeads(cfg).empty());
    EXPECT_TRUE(reportedHeads(tscope::testing::tinyGpt2()->config).empty());
}

}  // namespace
}  // namespace tscope
