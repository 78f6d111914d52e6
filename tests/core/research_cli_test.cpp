// tscope-cli heads, patch and run --ablate end to end: the JSON matches the core library and the
// numpy golden numbers (tests/fixtures/research_golden.json); bad input is a one-line error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli_util.h"
#include "core/head_scores.h"
#include "research_golden_util.h"

namespace tscope {
namespace {

using nlohmann::json;
using tscope::testing::expectOneLineError;
using tscope::testing::idsOf;
using tscope::testing::researchGolden;
using tscope::testing::runCli;
using tscope::testing::tinyGpt2;

const std::string kModelDir = std::string(TSCOPE_FIXTURES) + "/tiny-gpt2";

std::string idList(const json& ids) {
    std::string s;
    for (const auto& id : ids) {
        if (!s.empty()) s += ',';
        s += std::to_string(id.get<int>());
    }
    return s;
}

json runOk(const std::vector<std::string>& args) {
    const auto r = runCli(args);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return r.exitCode == 0 ? r.document() : json();
}

TEST(CliHeads, IdsGiveTheGoldenScores) {
    const json& c = researchGolden()["scores"][1];
    const json out = runOk({"heads", kModelDir, "--ids", idList(c["ids"])});
    ASSERT_EQ(out["heads"].size(), c["heads"].size());
    for (size_t i = 0; i < c["heads"].size(); ++i)
        for (const auto& [name, want] : c["heads"][i].items()) {
            const json& got = out["heads"][i][name];
            if (want.is_null()) {
                EXPECT_TRUE(got.is_null()) << name;
                continue;
            }
            EXPECT_NEAR(got.get<double>(), want.get<double>(), 1e-4) << name << " head " << i;
        }
}

TEST(CliHeads, RepeatedProbeListsItsIdsAndAveragesTheSeeds) {
    const json one = runOk({"heads", kModelDir, "--repeated", "6", "--seed", "11"});
    EXPECT_EQ(one["ids"].get<std::vector<int>>(), repeatedRandomIds(tinyGpt2()->config, 6, 11));
    const json two = runOk({"heads", kModelDir, "--repeated", "6", "--seed", "11", "--seeds", "2"});
    ASSERT_EQ(two["ids"].size(), 2u);
    EXPECT_EQ(two["ids"][1].get<std::vector<int>>(), repeatedRandomIds(tinyGpt2()->config, 6, 12));
    const HeadScoreGrid mean = repeatedProbeScores(tinyGpt2(), 6, 11, 2);
    for (int h = 0; h < 8; ++h)
        EXPECT_NEAR(two["heads"][size_t(h)]["induction"].get<double>(),
                    *mean.cells[size_t(h)][HeadScore::Induction], 1e-6);
}

TEST(CliPatch, ResidualAndHeadGridsMatchTheGolden) {
    const json& c = researchGolden()["patch"][0];
    for (const char* what : {"resid", "heads"}) {
        const json out =
            runOk({"patch", kModelDir, "--clean-ids", idList(c["clean"]), "--corrupt-ids",
                   idList(c["corrupt"]), "--right-id", std::to_string(c["right"].get<int>()),
                   "--wrong-id", std::to_string(c["wrong"].get<int>()), "--what", what});
        EXPECT_EQ(out["what"], what);
        EXPECT_NEAR(out["ld_clean"].get<double>(), c["ld_clean"].get<double>(), 1e-4);
        const json& want = c[std::string(what) + "_recovery"];
        ASSERT_EQ(out["grid"].size(), want.size());
        for (size_t l = 0; l < want.size(); ++l)
            for (size_t i = 0; i < want[l].size(); ++i)
                EXPECT_NEAR(out["grid"][l][i].get<double>(), want[l][i].get<double>(), 1e-4);
    }
}

TEST(CliPatch, TextPromptsAndAnswerTokens) {
    const json out = runOk({"patch", kModelDir, "--clean", "The cat sat on the mat", "--corrupt",
                            "The dog sat on the mat", "--right", " cat", "--wrong", " dog"});
    EXPECT_EQ(out["first_difference"], 1);
    EXPECT_EQ(out["grid"].size(), 2u);
    EXPECT_EQ(out["grid"][0].size(), out["tokens_clean"].size());
    EXPECT_DOUBLE_EQ(out["grid"][0][1].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(out["grid"][0][0].get<double>(), 0.0);
}

TEST(CliPatch, Errors) {
    expectOneLineError(runCli({"patch", kModelDir, "--clean", "The cat sat", "--corrupt",
                               "The cat sat down", "--right", " cat", "--wrong", " dog"}),
                       "same token length");
    expectOneLineError(runCli({"patch", kModelDir, "--clean", "a b", "--corrupt", "a c", "--right",
                               " hello world", "--wrong", " dog"}),
                       "exactly one");
    expectOneLineError(runCli({"patch", kModelDir, "--clean-ids", "1,2", "--corrupt-ids", "1,3",
                               "--right-id", "1", "--wrong-id", "2", "--what", "mlp"}),
                       "resid or heads");
}

TEST(CliRunAblate, OutputsDescribeTheAblatedModel) {
    const json& g = researchGolden()["ablation"];
    const std::string ids = idList(g["ids"]);
    const std::vector<int> check = idsOf(g["check_ids"]);
    for (const json& c : g["cases"]) {
        if (c["heads"].empty()) continue;
        std::string heads;
        for (const auto& h : c["heads"]) {
            if (!heads.empty()) heads += ',';
            heads += std::to_string(h[0].get<int>()) + "." + std::to_string(h[1].get<int>());
        }
        const json out = runOk({"run", kModelDir, "--ids", ids, "--logits-last", "--lens-k", "0",
                                "--ablate", heads, "--ablate-mode", c["mode"]});
        EXPECT_EQ(out["ablated"]["mode"], c["mode"]);
        for (size_t i = 0; i < check.size(); ++i)
            EXPECT_NEAR(out["logits_last"][size_t(check[i])].get<double>(),
                        c["logits_last_at"][i].get<double>(), 1e-4)
                << heads << " " << c["mode"];
    }
}

TEST(CliRunAblate, BadHeadsAreOneLineErrors) {
    expectOneLineError(runCli({"run", kModelDir, "--ids", "1,2", "--ablate", "2.0"}),
                       "outside the model");
    expectOneLineError(runCli({"run", kModelDir, "--ids", "1,2", "--ablate", "1-2"}), "LAYER.HEAD");
    expectOneLineError(
        runCli({"run", kModelDir, "--ids", "1,2", "--ablate", "1.2", "--ablate-mode", "half"}),
        "zero or mean");
}

TEST(CliHeads, Errors) {
    expectOneLineError(runCli({"heads", kModelDir, "--repeated", "100"}), "context");
    expectOneLineError(runCli({"heads", kModelDir, "--ids", "1", "--repeated", "3"}), "excludes");
}

}  // namespace
}  // namespace tscope
