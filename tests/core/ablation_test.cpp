// Ablation: zero- and mean-ablated heads and neurons against the numpy reference (logits and
// loss), the no-op and error cases, and the sweep against single ablations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/ablation.h"
#include "core/error.h"
#include "core/forward.h"
#include "core/sampling.h"
#include "research_golden_util.h"

namespace tscope {
namespace {

using ::testing::HasSubstr;
using tscope::testing::idsOf;
using tscope::testing::researchGolden;
using tscope::testing::tinyGpt2;

const nlohmann::json& golden() {
    return researchGolden()["ablation"];
}

Ablation ablationOf(const nlohmann::json& c) {
    Ablation a;
    for (const auto& h : c["heads"]) a.heads.push_back({h[0], h[1]});
    for (const auto& n : c["neurons"]) a.neurons.push_back({n[0], n[1]});
    a.mode = parseAblationMode(c["mode"]);
    return a;
}

Capture runAblated(const std::vector<int>& ids, const Ablation& ablation) {
    ForwardOptions options;
    options.hooks = ablationHooks(tinyGpt2(), ids, ablation);
    Forward forward(tinyGpt2(), options);
    forward.append(ids);
    return forward.capture();
}

void expectLogitsAt(const Vector& logits, const nlohmann::json& want) {
    const auto ids = idsOf(golden()["check_ids"]);
    for (size_t i = 0; i < ids.size(); ++i)
        EXPECT_NEAR(logits[ids[i]], want[i].get<double>(), 1e-4) << "id " << ids[i];
}

TEST(Ablation, MatchesTheNumpyReference) {
    const auto ids = idsOf(golden()["ids"]);
    ASSERT_EQ(golden()["cases"].size(), 8u);
    for (const auto& c : golden()["cases"]) {
        SCOPED_TRACE(c.dump().substr(0, 80));
        const Capture after = runAblated(ids, ablationOf(c));
        expectLogitsAt(after.logitsLast(), c["logits_last_at"]);
        EXPECT_NEAR(*nextTokenLoss(after), c["loss"].get<double>(), 1e-4);
    }
}

TEST(Ablation, NothingAblatedIsTheCleanRun) {
    const auto ids = idsOf(golden()["ids"]);
    const Capture clean = runAblated(ids, {});
    expectLogitsAt(clean.logitsLast(), golden()["clean_logits_last_at"]);
    EXPECT_NEAR(*nextTokenLoss(clean), golden()["clean_loss"].get<double>(), 1e-4);
}

TEST(Ablation, EffectReportsBeforeAndAfter) {
    const auto ids = idsOf(golden()["ids"]);
    const Ablation a = ablationOf(golden()["cases"][1]);  // 0.1 mean
    const AblationEffect e = ablationEffect(tinyGpt2(), ids, a, 262);
    expectLogitsAt(e.logitsBefore, golden()["clean_logits_last_at"]);
    expectLogitsAt(e.logitsAfter, golden()["cases"][1]["logits_last_at"]);
    const float lse = logSumExp({e.logitsAfter.data(), size_t(e.logitsAfter.size())});
    EXPECT_NEAR(e.logProbAfter, e.logitsAfter[262] - lse, 1e-6);
    EXPECT_NEAR(e.probAfter, std::exp(e.logProbAfter), 1e-12);
    EXPECT_NEAR(*e.lossAfter - *e.lossBefore,
                golden()["cases"][1]["loss"].get<double>() - golden()["clean_loss"].get<double>(),
                1e-4);
    EXPECT_NE(e.deltaLogProb(), 0);
}

TEST(Ablation, SweepCellIsThatHeadAblatedAlone) {
    const auto ids = idsOf(golden()["ids"]);
    const auto grid =
        headAblationSweep(tinyGpt2(), ids, AblationMode::Zero, 262, AblationMetric::LogProb);
    ASSERT_EQ(grid.size(), 2u);
    ASSERT_EQ(grid[0].size(), 4u);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h) {
            const AblationEffect e =
                ablationEffect(tinyGpt2(), ids, {{{l, h}}, {}, AblationMode::Zero}, 262);
            EXPECT_NEAR(grid[size_t(l)][size_t(h)], e.deltaLogProb(), 1e-9);
        }
    const auto loss =
        headAblationSweep(tinyGpt2(), ids, AblationMode::Mean, 262, AblationMetric::Loss);
    const auto& c = golden()["cases"][1];  // 0.1 mean-ablated
    EXPECT_NEAR(loss[0][1], c["loss"].get<double>() - golden()["clean_loss"].get<double>(), 1e-4);
}

TEST(Ablation, ParsesHeadListsAndRejectsBadOnes) {
    const std::vector<HeadRef> want = {{5, 1}, {7, 10}};
    EXPECT_EQ(parseHeadList("5.1,7.10"), want);
    for (const char* bad : {"", "5", "5.", ".1", "5.1,", "a.b", "5.-1", "5.1.2"})
        EXPECT_THROW(parseHeadList(bad), Error) << bad;
    EXPECT_THROW(parseAblationMode("half"), Error);
}

TEST(Ablation, HeadsAndNeuronsOutsideTheModelAreErrors) {
    const ModelConfig& cfg = tinyGpt2()->config;
    try {
        checkAblation(cfg, {{{2, 0}}, {}, AblationMode::Zero});
        FAIL();
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("head 2.0 is outside the model (2 layers × 4 heads)"));
    }
    EXPECT_THROW(checkAblation(cfg, {{{0, 4}}, {}, AblationMode::Zero}), Error);
    EXPECT_THROW(checkAblation(cfg, {{}, {{0, 256}}, AblationMode::Mean}), Error);
    EXPECT_THROW(ablationEffect(tinyGpt2(), std::vector<int>{1, 2}, {}, 50257), Error);
}

// Progress counts every head once; returning false stops the sweep with Cancelled.
TEST(Ablation, SweepReportsProgressAndCancels) {
    const auto ids = idsOf(golden()["ids"]);
    std::vector<int> done;
    headAblationSweep(tinyGpt2(), ids, AblationMode::Zero, 262, AblationMetric::LogProb,
                      [&](int d, int total) {
                          EXPECT_EQ(total, 8);
                          done.push_back(d);
                          return true;
                      });
    EXPECT_EQ(done, std::vector<int>({1, 2, 3, 4, 5, 6, 7, 8}));
    int calls = 0;
    EXPECT_THROW(headAblationSweep(tinyGpt2(), ids, AblationMode::Zero, 262,
                                   AblationMetric::LogProb, [&](int, int) { return ++calls < 3; }),
                 Cancelled);
    EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace tscope
