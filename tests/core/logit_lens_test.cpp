// Logit lens: a hand-computed tiny case, and at the last layer it must reproduce the model's own
// output (llm.c's logits in the fixture), since ln_f(resid_post of the last block) is ln_f.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/forward.h"
#include "core/logit_lens.h"

namespace tscope {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::shared_ptr<const Model> tinyModel() {
    static const std::shared_ptr<const Model> model = loadModel(TSCOPE_FIXTURES "/tiny-gpt2");
    return model;
}

const json& expected() {
    static const json j = [] {
        std::ifstream in(TSCOPE_FIXTURES "/tiny-gpt2/expected.json");
        return json::parse(in);
    }();
    return j;
}

// C = 2, V = 4: ln_f is the identity affine map, lm_head rows [1,0] [0,1] [1,1] [0,1].
struct TinyLensModel {
    float lnfW[2] = {1, 1}, lnfB[2] = {0, 0};
    float lmHead[8] = {1, 0, 0, 1, 1, 1, 0, 1};
    Model model;
    TinyLensModel() {
        model.config.n_embd = 2;
        model.config.n_head = 1;
        model.config.vocab_size = 4;
        model.config.layer_norm_epsilon = 1e-5f;
        model.weights.lnf_w = {lnfW, 2};
        model.weights.lnf_b = {lnfB, 2};
        model.weights.wteT =
            model.weights.panels.emplace_back(PanelMatrix::transposed(lmHead, 4, 2, 2)).ref();
        model.weights.lm_head = model.weights.wteT;
    }
};

TEST(LogitLens, HandComputedTinyCase) {
    TinyLensModel tiny;
    Vector x(2);
    x << 1, 3;  // mean 2, var 1 → ln_f(x) = [−1, 1] (up to eps) → logits [−1, 1, 0, 1]
    const auto top = logitLens(tiny.model, x, 3);
    ASSERT_EQ(top.size(), 3u);
    // ids 1 and 3 tie: the lower id comes first
    EXPECT_EQ(top[0].id, 1);
    EXPECT_EQ(top[1].id, 3);
    EXPECT_EQ(top[2].id, 2);
    EXPECT_NEAR(top[0].logit, 1.0f, 1e-4);
    EXPECT_NEAR(top[2].logit, 0.0f, 1e-6);
    // softmax of [−1, 1, 0, 1]: e / (e⁻¹ + 2e + 1)
    const double sum = std::exp(-1.0) + 2 * std::exp(1.0) + 1;
    EXPECT_NEAR(top[0].prob, std::exp(1.0) / sum, 1e-5);
    EXPECT_NEAR(top[1].prob, std::exp(1.0) / sum, 1e-5);
    EXPECT_NEAR(top[2].prob, 1.0 / sum, 1e-5);

    EXPECT_EQ(logitLens(tiny.model, x, 10).size(), 4u);  // k is capped at V
    EXPECT_TRUE(logitLens(tiny.model, x, 0).empty());
    EXPECT_THROW(logitLens(tiny.model, Vector::Zero(3), 3), Error);  // wrong width
}

std::unique_ptr<Forward> run(const std::string& name, CaptureOptions capture) {
    ForwardOptions options;
    options.capture = capture;
    auto f = std::make_unique<Forward>(tinyModel(), options);
    f->append(expected()["sequences"][name]["tokens"].get<std::vector<int>>());
    return f;
}

TEST(LogitLens, LastLayerAfterMlpIsTheModelsOwnTopK) {
    for (const std::string name : {"A", "B", "C", "D"}) {
        const json& seq = expected()["sequences"][name];
        auto f = run(name, {CaptureLevel::Residual, {}});
        const int T = seq["T"];
        const auto top = logitLens(*tinyModel(), f->capture(), 1, LensPoint::AfterMlp, T - 1, 5);
        ASSERT_EQ(top.size(), 5u);
        const auto ids = seq["top5_last"]["ids"].get<std::vector<int>>();
        const auto logits = seq["top5_last"]["logits"].get<std::vector<float>>();
        const float lse = seq["logsumexp"][T - 1];
        for (int i = 0; i < 5; ++i) {
            EXPECT_EQ(top[i].id, ids[i]) << name;
            EXPECT_NEAR(top[i].logit, logits[i], 1e-4) << name;
            EXPECT_NEAR(top[i].prob, std::exp(logits[i] - lse), 1e-5) << name;
        }
    }
}

TEST(LogitLens, LastLayerMatchesEveryPositionOfTheGoldenLogits) {
    std::ifstream in(TSCOPE_FIXTURES "/tiny-gpt2/logits_C.bin", std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    ASSERT_EQ(bytes.size(), 16u * 50257 * 4);
    std::vector<float> all(bytes.size() / 4);
    std::memcpy(all.data(), bytes.data(), bytes.size());
    auto f = run("C", {CaptureLevel::Residual, {}});
    for (int t = 0; t < 16; ++t) {
        const auto top = logitLens(*tinyModel(), f->capture(), 1, LensPoint::AfterMlp, t, 3);
        const float* row = all.data() + size_t(t) * 50257;
        const int argmax = int(std::max_element(row, row + 50257) - row);
        EXPECT_EQ(top[0].id, argmax) << t;
        for (const TokenScore& s : top) EXPECT_NEAR(s.logit, row[s.id], 1e-4) << t;
    }
}

TEST(LogitLens, EarlierPointsReadTheirOwnResidual) {
    auto f = run("C", {CaptureLevel::Residual, {}});
    const Capture c = f->capture();
    // AfterAttention of layer 1 reads resid_mid, AfterMlp of layer 0 reads resid_post
    const auto mid = logitLens(*tinyModel(), c, 1, LensPoint::AfterAttention, 5, 4);
    const auto direct = logitLens(*tinyModel(), c.residMid(1).row(5).transpose(), 4);
    const auto post0 = logitLens(*tinyModel(), c, 0, LensPoint::AfterMlp, 5, 4);
    const auto direct0 = logitLens(*tinyModel(), c.residPost(0).row(5).transpose(), 4);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(mid[i].id, direct[i].id);
        EXPECT_EQ(post0[i].id, direct0[i].id);
    }
    // different residuals give different readings (the point does matter)
    EXPECT_NE(mid[0].logit, post0[0].logit);
    // probabilities are a distribution's top: positive, descending, at most 1 in total
    float total = 0;
    for (int i = 0; i < 4; ++i) {
        EXPECT_GT(mid[i].prob, 0.0f);
        if (i > 0) {
            EXPECT_LE(mid[i].prob, mid[i - 1].prob);
        }
        total += mid[i].prob;
    }
    EXPECT_LE(total, 1.0f + 1e-6f);
}

TEST(LogitLens, NeedsTheResidualStreamAndValidIndices) {
    auto none = run("A", {CaptureLevel::None, {}});
    try {
        logitLens(*tinyModel(), none->capture(), 0, LensPoint::AfterMlp, 0, 5);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("CaptureLevel::Residual"));
    }
    auto selected = run("A", {CaptureLevel::Residual, {1}});
    EXPECT_THROW(logitLens(*tinyModel(), selected->capture(), 0, LensPoint::AfterMlp, 0, 5), Error);
    EXPECT_NO_THROW(logitLens(*tinyModel(), selected->capture(), 1, LensPoint::AfterMlp, 0, 5));
    EXPECT_THROW(logitLens(*tinyModel(), selected->capture(), 2, LensPoint::AfterMlp, 0, 5), Error);
    EXPECT_THROW(logitLens(*tinyModel(), selected->capture(), 1, LensPoint::AfterMlp, 4, 5), Error);
    EXPECT_THROW(logitLens(*tinyModel(), selected->capture(), 1, LensPoint::AfterMlp, -1, 5),
                 Error);
}

}  // namespace
}  // namespace tscope
