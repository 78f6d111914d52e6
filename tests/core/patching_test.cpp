// Activation patching: the residual and head grids against the numpy reference (which recomputes
// every cell from scratch), the exact cases of a one-token difference, any order of cells, and
// the errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/patching.h"
#include "research_golden_util.h"

namespace tscope {
namespace {

using ::testing::HasSubstr;
using tscope::testing::idsOf;
using tscope::testing::researchGolden;
using tscope::testing::tinyGpt2;

void expectGridNear(const std::vector<std::vector<double>>& got, const nlohmann::json& want,
                    double tol, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t l = 0; l < got.size(); ++l) {
        ASSERT_EQ(got[l].size(), want[l].size()) << what;
        for (size_t i = 0; i < got[l].size(); ++i)
            EXPECT_NEAR(got[l][i], want[l][i].get<double>(), tol) << what << " " << l << "," << i;
    }
}

TEST(Patching, GridsMatchTheNumpyReference) {
    for (const auto& c : researchGolden()["patch"]) {
        ActivationPatcher patcher(tinyGpt2(), idsOf(c["clean"]), idsOf(c["corrupt"]));
        for (PatchTarget what : {PatchTarget::Residual, PatchTarget::Heads}) {
            const PatchGrid g = patcher.grid(what, c["right"], c["wrong"]);
            EXPECT_NEAR(g.ldClean, c["ld_clean"].get<double>(), 1e-4);
            EXPECT_NEAR(g.ldCorrupt, c["ld_corrupt"].get<double>(), 1e-4);
            const bool resid = what == PatchTarget::Residual;
            expectGridNear(g.ld, c[resid ? "resid_ld" : "heads_ld"], 1e-4, "ld");
            expectGridNear(g.recovery, c[resid ? "resid_recovery" : "heads_recovery"], 1e-4,
                           "recovery");
        }
    }
}

TEST(Patching, OneTokenDifferenceRecoversExactlyAtItsPositionInBlockZero) {
    const auto& c = researchGolden()["patch"][0];  // differs at position 3 only
    ActivationPatcher patcher(tinyGpt2(), idsOf(c["clean"]), idsOf(c["corrupt"]));
    ASSERT_EQ(patcher.firstDifference(), 3);
    const PatchGrid g = patcher.grid(PatchTarget::Residual, c["right"], c["wrong"]);
    for (int p = 0; p < patcher.length(); ++p)
        EXPECT_EQ(g.recovery[0][size_t(p)], p == 3 ? 1.0 : 0.0) << "position " << p;
}

TEST(Patching, CellsGiveTheSameLogitsInAnyOrder) {
    const auto& c = researchGolden()["patch"][1];
    ActivationPatcher patcher(tinyGpt2(), idsOf(c["clean"]), idsOf(c["corrupt"]));
    const int right = c["right"], wrong = c["wrong"];
    const PatchGrid g = patcher.grid(PatchTarget::Residual, right, wrong);
    // ascending positions: each run must start from unpatched rows
    for (int p = 0; p < patcher.length(); ++p)
        for (int l = 0; l < 2; ++l) {
            const Vector logits = patcher.patchedLogits(PatchTarget::Residual, l, p);
            EXPECT_NEAR(logits[right] - logits[wrong], g.ld[size_t(l)][size_t(p)], 1e-5);
        }
    const Vector head = patcher.patchedLogits(PatchTarget::Heads, 1, 2);
    const Vector again = patcher.patchedLogits(PatchTarget::Residual, 1, 8);
    EXPECT_NEAR(again[right] - again[wrong], g.ld[1][8], 1e-5);
    EXPECT_NE(head[right], again[right]);
}

TEST(Patching, EqualPromptsGiveNoRecovery) {
    const std::vector<int> ids = {1, 2, 3};
    ActivationPatcher patcher(tinyGpt2(), ids, ids);
    const PatchGrid g = patcher.grid(PatchTarget::Heads, 5, 6);
    EXPECT_EQ(g.ldClean, g.ldCorrupt);
    EXPECT_TRUE(std::isnan(g.recovery[0][0]));
}

TEST(Patching, DifferentLengthsAndBadAnswersAreErrors) {
    try {
        ActivationPatcher(tinyGpt2(), std::vector<int>{1, 2, 3}, std::vector<int>{1, 2});
        FAIL();
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("same token length"));
    }
    EXPECT_THROW(ActivationPatcher(tinyGpt2(), std::vector<int>{}, std::vector<int>{}), Error);
    ActivationPatcher patcher(tinyGpt2(), std::vector<int>{1, 2}, std::vector<int>{1, 3});
    EXPECT_THROW(patcher.grid(PatchTarget::Residual, 50257, 1), Error);
    EXPECT_THROW(patcher.patchedLogits(PatchTarget::Heads, 0, 4), Error);
}

}  // namespace
}  // namespace tscope
