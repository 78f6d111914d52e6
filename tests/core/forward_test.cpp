// The forward pass against golden outputs computed by llm.c (tests/fixtures/tiny-gpt2), and the
// math kernels against small hand-computed cases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <span>

#include "core/error.h"
#include "core/forward.h"
#include "core/ops.h"
#include "model_files_util.h"

namespace tscope {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// Kernels, hand-checkable

TEST(Ops, LayerNormMatchesHandComputedValues) {
    RowMatrix x(2, 4);
    x << 1, 2, 3, 4,  //
        -2, -2, 2, 2;
    Vector w(4), b(4);
    w << 1, 1, 2, 0.5;
    b << 0, 1, 0, -1;
    RowMatrix out(2, 4);
    ops::layernorm(out, x, w, b, 0.0f);
    // row 0: mean 2.5, biased var 1.25 → (x − 2.5)/√1.25 = ∓1.3416408, ∓0.4472136
    EXPECT_NEAR(out(0, 0), -1.3416408f, 1e-6);
    EXPECT_NEAR(out(0, 1), -0.4472136f + 1, 1e-6);
    EXPECT_NEAR(out(0, 2), 0.4472136f * 2, 1e-6);
    EXPECT_NEAR(out(0, 3), 1.3416408f * 0.5f - 1, 1e-6);
    // row 1: mean 0, var 4 → ∓1
    EXPECT_NEAR(out(1, 0), -1.0f, 1e-6);
    EXPECT_NEAR(out(1, 1), 0.0f, 1e-6);
    EXPECT_NEAR(out(1, 2), 2.0f, 1e-6);
    EXPECT_NEAR(out(1, 3), -0.5f, 1e-6);
    // eps enters under the root: var 4 + eps 5 → x / 3
    ops::layernorm(out, x, Vector::Ones(4), Vector::Zero(4), 5.0f);
    EXPECT_NEAR(out(1, 3), 2.0f / 3.0f, 1e-6);
}

TEST(Ops, LinearIsXTimesWPlusB) {
    RowMatrix x(2, 3), W(3, 2), out(2, 2);
    x << 1, 2, 3, 4, 5, 6;
    W << 1, 0, 0, 1, 1, 1;  // Conv1D layout [in, out]
    Vector b(2);
    b << 0.5, -1;
    ops::linear(out, x, PanelMatrix(W).ref(), b);
    EXPECT_FLOAT_EQ(out(0, 0), 4.5f);
    EXPECT_FLOAT_EQ(out(0, 1), 4.0f);
    EXPECT_FLOAT_EQ(out(1, 0), 10.5f);
    EXPECT_FLOAT_EQ(out(1, 1), 10.0f);
}

// Plain loops in double: the reference for the threaded single-row paths.
RowMatrix naiveProduct(const RowMatrix& x, const RowMatrix& W) {
    RowMatrix out(x.rows(), W.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i)
        for (Eigen::Index j = 0; j < W.cols(); ++j) {
            double sum = 0;
            for (Eigen::Index k = 0; k < x.cols(); ++k) sum += double(x(i, k)) * W(k, j);
            out(i, j) = float(sum);
        }
    return out;
}

TEST(Ops, SingleRowLinearSplitsColumnsOverThreadsCorrectly) {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    auto random = [&](Eigen::Index r, Eigen::Index c) {
        RowMatrix m(r, c);
        for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
        return m;
    };
    const RowMatrix x = random(1, 70), W = random(70, 37), M = random(41, 70);
    const Vector b = random(37, 1);
    RowMatrix expected = naiveProduct(x, W);
    expected.row(0) += b.transpose();
    const RowMatrix expectedT = naiveProduct(x, M.transpose());
    const PanelMatrix Mt = PanelMatrix::transposed(M.data(), 41, 70, 70);  // [70,41]
    const int saved = omp_get_max_threads();
    for (int threads : {1, 2, 3}) {
        omp_set_num_threads(threads);
        RowMatrix out(1, 37), outT(1, 41);
        ops::linear(out, x, PanelMatrix(W).ref(), b);
        ops::linear(outT, x, Mt.ref());
        EXPECT_LT((out - expected).cwiseAbs().maxCoeff(), 1e-5) << threads << " threads";
        EXPECT_LT((outT - expectedT).cwiseAbs().maxCoeff(), 1e-5) << threads << " threads";
    }
    omp_set_num_threads(saved);
    // several rows take the GEMM path
    const RowMatrix x3 = random(3, 70);
    RowMatrix out3(3, 41);
    ops::linear(out3, x3, Mt.ref());
    EXPECT_LT((out3 - naiveProduct(x3, M.transpose())).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(Ops, GeluNewIsTheTanhForm) {
    RowMatrix x(1, 6), out(1, 6);
    x << -3, -1, 0, 0.5, 1, 3;
    ops::geluNew(out, x);
    const float expected[] = {-0.0036374f, -0.1588080f, 0.0f, 0.3457140f, 0.8411920f, 2.9963626f};
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(out(0, i), expected[i], 2e-7) << x(0, i);
}

TEST(Ops, SoftmaxCausalNormalisesThePrefixAndZeroesTheRest) {
    RowMatrix scores(2, 3), probs(2, 3);
    scores << 0, std::log(3.0f), 5,  // query at position 1 (t0 = 1): keys 0, 1
        0, 0, 0;                     // query at position 2: keys 0, 1, 2
    ops::softmaxCausal(probs, scores, 1);
    EXPECT_NEAR(probs(0, 0), 0.25f, 1e-7);
    EXPECT_NEAR(probs(0, 1), 0.75f, 1e-7);
    EXPECT_EQ(probs(0, 2), 0.0f);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(probs(1, j), 1.0f / 3.0f, 1e-7);
    // the row max is subtracted: huge scores do not overflow
    scores.row(1) << 1000, 1000, 999;
    ops::softmaxCausal(probs, scores, 1);
    EXPECT_NEAR(probs(1, 0), 1.0f / (2.0f + std::exp(-1.0f)), 1e-6);
}

TEST(Ops, AttentionHeadHandComputed) {
    // D = 1, two positions: q = 1, keys 0 and 2, values 1 and 3
    RowMatrix q(2, 1), k(2, 1), v(2, 1), out(2, 1), scores(2, 2), probs(2, 2);
    q << 1, 1;
    k << 0, 2;
    v << 1, 3;
    ops::attentionHead(out, scores, probs, q, k, v);
    EXPECT_EQ(scores(0, 1), kNegInf);  // causal mask
    EXPECT_EQ(probs(0, 1), 0.0f);
    EXPECT_FLOAT_EQ(probs(0, 0), 1.0f);
    EXPECT_FLOAT_EQ(out(0, 0), 1.0f);
    EXPECT_FLOAT_EQ(scores(1, 1), 2.0f);
    EXPECT_NEAR(probs(1, 0), 0.1192029f, 1e-7);  // 1 / (1 + e²)
    EXPECT_NEAR(probs(1, 1), 0.8807971f, 1e-7);
    EXPECT_NEAR(out(1, 0), 2.7615942f, 1e-6);
    // decode: only the query at position 1, against both cached keys; scores and probs shared
    RowMatrix q1(1, 1), out1(1, 1), p1(1, 2);
    q1 << 1;
    ops::attentionHead(out1, p1, p1, q1, k, v);
    EXPECT_NEAR(out1(0, 0), 2.7615942f, 1e-6);
    // scale 1/√D: D = 4, q·k = 4 → score 2
    RowMatrix q4 = RowMatrix::Ones(1, 4), k4 = RowMatrix::Ones(1, 4), s4(1, 1), p4(1, 1), o4(1, 4);
    ops::attentionHead(o4, s4, p4, q4, k4, k4);
    EXPECT_FLOAT_EQ(s4(0, 0), 2.0f);
    EXPECT_FLOAT_EQ(p4(0, 0), 1.0f);
}

// ---------------------------------------------------------------------------------------------
// Golden outputs (llm.c) for the tiny model

const json& expected() {
    static const json j = [] {
        std::ifstream in(TSCOPE_FIXTURES "/tiny-gpt2/expected.json");
        return json::parse(in);
    }();
    return j;
}

std::shared_ptr<const Model> tinyModel() {
    static const std::shared_ptr<const Model> model = loadModel(TSCOPE_FIXTURES "/tiny-gpt2");
    return model;
}

std::vector<float> readLogitsBin(const std::string& file) {
    std::ifstream in(std::string(TSCOPE_FIXTURES "/tiny-gpt2/") + file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    std::vector<float> values(bytes.size() / 4);
    std::memcpy(values.data(), bytes.data(), values.size() * 4);
    return values;
}

// Largest error seen per quantity, printed after all tests (the numbers for the report).
std::map<std::string, double>& maxErrors() {
    static std::map<std::string, double> errors;
    return errors;
}
void record(const std::string& what, double error) {
    double& e = maxErrors()[what];
    e = std::max(e, error);
}
class ErrorReport : public ::testing::Environment {
    void TearDown() override {
        for (const auto& [what, error] : maxErrors())
            std::printf("max abs error vs llm.c  %-22s %.3g\n", what.c_str(), error);
    }
};
[[maybe_unused]] auto* const kReport = ::testing::AddGlobalTestEnvironment(new ErrorReport);

template <typename Got>
double maxAbsDiff(const Got& got, const std::vector<float>& want) {
    EXPECT_EQ(size_t(got.size()), want.size());
    double worst = 0;
    for (size_t i = 0; i < std::min(size_t(got.size()), want.size()); ++i)
        worst = std::max(worst, std::abs(double(got(Eigen::Index(i))) - want[i]));
    return worst;
}

std::vector<int> topIds(const Vector& logits, int k) {
    std::vector<int> ids(static_cast<size_t>(logits.size()));
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int a, int b) {
        return logits(a) > logits(b) || (logits(a) == logits(b) && a < b);
    });
    ids.resize(size_t(k));
    return ids;
}

std::unique_ptr<Forward> run(const std::vector<int>& tokens, CaptureOptions capture,
                             int threads = 0) {
    ForwardOptions options;
    options.capture = std::move(capture);
    options.threads = threads;
    auto f = std::make_unique<Forward>(tinyModel(), options);
    f->append(tokens);
    return f;
}

// Logits, logsumexp and top-5 of the last position, at any level.
void checkLogits(const json& seq, const Capture& c, const std::string& level) {
    const int T = seq["T"];
    ASSERT_EQ(c.T, T);
    const double last = maxAbsDiff(c.logitsLast(), seq["logits_last"].get<std::vector<float>>());
    EXPECT_LT(last, 1e-4) << level;
    record("logits_last", last);
    EXPECT_EQ(topIds(c.logitsLast(), 5), seq["top5_last"]["ids"].get<std::vector<int>>()) << level;
    const std::vector<float> got = c.logsumexp();  // stored or computed on demand
    ASSERT_EQ(got.size(), size_t(T));
    const auto lse = seq["logsumexp"].get<std::vector<float>>();
    double lseError = 0;
    for (int t = 0; t < T; ++t) lseError = std::max(lseError, std::abs(double(got[t]) - lse[t]));
    EXPECT_LT(lseError, 1e-4) << level;
    record("logsumexp", lseError);
}

// Attention probabilities (on demand), residual stream and ln_f, at the Residual level.
void checkInternals(const json& seq, const Capture& c) {
    const int T = seq["T"], layers = tinyModel()->config.n_layer,
              heads = tinyModel()->config.n_head;
    const bool fullMatrix = T <= 16;
    double attention = 0, residual = 0;
    for (int l = 0; l < layers; ++l) {
        ASSERT_TRUE(c.keeps(l));
        for (int h = 0; h < heads; ++h) {
            const json& att = seq["attention"][l][h];
            const auto pattern = c.pattern(l, h);
            const RowMatrix &probs = pattern->probs, &scores = pattern->scores;
            ASSERT_EQ(probs.rows(), T);
            for (int t = fullMatrix ? 0 : T - 1; t < T; ++t) {
                const json& row = fullMatrix ? att[t] : att;
                for (int t2 = 0; t2 < T; ++t2) {
                    attention =
                        std::max(attention, std::abs(double(probs(t, t2)) - row[t2].get<double>()));
                    if (t2 > t) {
                        EXPECT_EQ(probs(t, t2), 0.0f);  // exactly, as llm.c
                        EXPECT_EQ(scores(t, t2), kNegInf);
                    }
                }
            }
        }
        const auto want = seq["residual_last"][l].get<std::vector<float>>();
        residual = std::max(residual, maxAbsDiff(c.residPost(l).row(T - 1).transpose(), want));
    }
    EXPECT_LT(attention, 1e-5);
    EXPECT_LT(residual, 1e-4);
    record("attention probs", attention);
    record("residual_last", residual);
    const double lnf =
        maxAbsDiff(c.lnf(T - 1, 1).row(0).transpose(), seq["lnf_last"].get<std::vector<float>>());
    EXPECT_LT(lnf, 1e-4);
    record("lnf_last", lnf);
}

class Golden : public ::testing::TestWithParam<std::string> {
  protected:
    const json& seq() const { return expected()["sequences"][GetParam()]; }
    std::vector<int> tokens() const { return seq()["tokens"].get<std::vector<int>>(); }
};

const CaptureOptions kResidual{.level = CaptureLevel::Residual};
const CaptureOptions kNone{.level = CaptureLevel::None};
const CaptureOptions kAllLogsumexp{.level = CaptureLevel::Residual, .logsumexpAll = true};

TEST_P(Golden, CaptureMatchesLlmC) {
    auto f = run(tokens(), kAllLogsumexp);
    const Capture c = f->capture();
    const int T = seq()["T"];
    checkLogits(seq(), c, "residual, every logsumexp");
    checkInternals(seq(), c);

    const RowMatrix logits = c.logits(0, T);  // [T,V] on demand
    ASSERT_EQ(logits.cols(), 50257);
    EXPECT_LT((logits.row(T - 1).transpose() - c.logitsLast()).cwiseAbs().maxCoeff(), 1e-5);
    // logits of ids 0..4 at every position
    double first5 = 0;
    for (int t = 0; t < T; ++t)
        first5 = std::max(first5, maxAbsDiff(logits.row(t).head(5).transpose(),
                                             seq()["logits_first5"][t].get<std::vector<float>>()));
    EXPECT_LT(first5, 1e-4);
    record("logits_first5", first5);
    // every logit of every position, where the fixture has them
    if (!seq()["logits_bin"].is_null()) {
        const auto all = readLogitsBin(seq()["logits_bin"]);
        ASSERT_EQ(all.size(), size_t(T) * 50257);
        const Eigen::Map<const RowMatrix> want(all.data(), T, 50257);
        const double error = (logits - want).cwiseAbs().maxCoeff();
        EXPECT_LT(error, 1e-4);
        record("logits (.bin, all)", error);
    }
}

TEST_P(Golden, EveryCaptureGivesTheSameLogits) {
    auto reference = run(tokens(), kAllLogsumexp);
    for (const CaptureOptions& capture : {kNone, kResidual}) {
        auto f = run(tokens(), capture);
        const std::string name = capture.level == CaptureLevel::None ? "none" : "residual";
        checkLogits(seq(), f->capture(), name);
        // float noise only: buffers at other addresses take other SIMD peeling paths
        EXPECT_LE((f->logitsLast() - reference->logitsLast()).cwiseAbs().maxCoeff(), 1e-5) << name;
        if (capture.level == CaptureLevel::Residual) checkInternals(seq(), f->capture());
    }
}

INSTANTIATE_TEST_SUITE_P(TinyGpt2, Golden, ::testing::Values("A", "B", "C", "D"));

// ---------------------------------------------------------------------------------------------
// The capture: names, shapes, what each level and layer selection keeps

std::vector<int> sequence(const std::string& name) {
    return expected()["sequences"][name]["tokens"].get<std::vector<int>>();
}

TEST(Capture, NamesFollowTheLevelAndTheSelectedLayers) {
    const auto tokens = sequence("A");
    auto none = run(tokens, kNone);
    EXPECT_THAT(none->capture().tensorNames(), ::testing::ElementsAre("logits_last", "logsumexp"));

    auto residual = run(tokens, kResidual);
    const auto all = residual->capture().tensorNames();
    EXPECT_EQ(all.size(), 3 + 2 * 14 + 4u);
    EXPECT_THAT(
        std::vector(all.begin(), all.begin() + 5),
        ::testing::ElementsAre("embed.tok", "embed.pos", "embed.sum", "blk.0.ln1", "blk.0.attn.q"));
    EXPECT_THAT(std::vector(all.end() - 4, all.end()),
                ::testing::ElementsAre("lnf", "logits", "logits_last", "logsumexp"));

    ForwardOptions options;
    options.capture.layers = {1};
    Forward selected(tinyModel(), options);
    selected.append(tokens);
    const auto names = selected.capture().tensorNames();
    EXPECT_THAT(names, ::testing::Contains("blk.1.mlp.act"));
    EXPECT_THAT(names, ::testing::Not(::testing::Contains("blk.0.resid_post")));
    EXPECT_FALSE(selected.capture().keeps(0));
    EXPECT_THROW(selected.capture().residPost(0), Error);
    EXPECT_FALSE(selected.capture().tensor("blk.0.ln1").has_value());
    EXPECT_FALSE(selected.capture().tensor("no.such.tensor").has_value());
    // the selected layer still matches the golden attention
    const json& att = expected()["sequences"]["A"]["attention"][1][2];
    for (int t = 0; t < 4; ++t)
        for (int t2 = 0; t2 <= t; ++t2)
            EXPECT_NEAR(selected.capture().pattern(1, 2)->probs(t, t2), att[t][t2].get<float>(),
                        1e-5);

    EXPECT_LT(none->capture().bytesReserved(), residual->capture().bytesReserved());
    EXPECT_GT(none->capture().bytesReserved(), 50257u * 4);  // logitsLast
}

TEST(Capture, EveryTensorHasItsShape) {
    const auto tokens = sequence("C");  // T = 16
    auto f = run(tokens, kResidual);
    const Capture c = f->capture();
    const std::map<std::string, std::vector<int64_t>> shapes = {
        {"embed.tok", {16, 64}},
        {"embed.pos", {16, 64}},
        {"embed.sum", {16, 64}},
        {"blk.1.ln1", {16, 64}},
        {"blk.1.attn.q", {4, 16, 16}},
        {"blk.1.attn.k", {4, 16, 16}},
        {"blk.1.attn.v", {4, 16, 16}},
        {"blk.1.attn.scores", {4, 16, 16}},
        {"blk.1.attn.probs", {4, 16, 16}},
        {"blk.1.attn.head_out", {4, 16, 16}},
        {"blk.1.attn.out", {16, 64}},
        {"blk.1.resid_mid", {16, 64}},
        {"blk.1.ln2", {16, 64}},
        {"blk.1.mlp.pre", {16, 256}},
        {"blk.1.mlp.act", {16, 256}},
        {"blk.1.mlp.out", {16, 64}},
        {"blk.1.resid_post", {16, 64}},
        {"lnf", {16, 64}},
        {"logits", {16, 50257}},
        {"logits_last", {50257}},
        {"logsumexp", {16}}};
    const auto names = c.tensorNames();
    EXPECT_EQ(names.size(), 3 + 2 * 14 + 4u);
    for (const auto& [name, shape] : shapes) {
        EXPECT_THAT(names, ::testing::Contains(name));
        const auto t = c.tensor(name);
        ASSERT_TRUE(t.has_value()) << name;
        EXPECT_EQ(t->shape, shape) << name;
        EXPECT_EQ(c.tensorShape(name), shape) << name;
        const int64_t count =
            std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<>());
        EXPECT_EQ(int64_t(t->values.size()), count) << name;
    }
    // per-head tensors are [H, T, D]: head h, position t, dim d = column h·D + d
    const auto q = c.tensor("blk.1.attn.q");
    for (int h = 0; h < 4; ++h)
        for (int t = 0; t < 16; ++t)
            for (int d = 0; d < 16; ++d)
                ASSERT_EQ(q->values[size_t((h * 16 + t) * 16 + d)], c.q(1).row(t)(h * 16 + d));
    const auto probs = c.tensor("blk.1.attn.probs");
    EXPECT_EQ(probs->values[size_t((3 * 16 + 9) * 16 + 4)], c.pattern(1, 3)->probs(9, 4));
}

// Identities between the captured tensors of one block (they catch a tensor written to the
// wrong place, which the golden last-position values alone would not).
TEST(Capture, TensorsAreConsistentWithTheMath) {
    const auto tokens = sequence("C");
    auto f = run(tokens, kResidual);
    const Capture c = f->capture();
    const ModelWeights& w = tinyModel()->weights;
    const RowMatrix tok = c.embedTok(0, 16), pos = c.embedPos(0, 16);
    const RowMatrix wte = testing::fileMatrix(*w.file, "wte.weight");  // [V,C]
    for (int t = 0; t < 16; ++t) {
        EXPECT_EQ(tok.row(t), wte.row(tokens[size_t(t)]));
        EXPECT_EQ(pos.row(t), w.wpe.map().row(t));
    }
    EXPECT_LT((c.residIn(0, 0, 16) - tok - pos).cwiseAbs().maxCoeff(), 1e-6);
    for (int l = 0; l < 2; ++l) {
        const AttentionRows attn = c.attentionRows(l, 0, 16);
        const MlpRows mlp = c.mlpRows(l, 0, 16);
        const RowMatrix x = c.residIn(l, 0, 16);
        EXPECT_LT((c.residMid(l) - x - attn.out).cwiseAbs().maxCoeff(), 1e-5);
        EXPECT_LT((c.residPost(l) - c.residMid(l) - mlp.out).cwiseAbs().maxCoeff(), 1e-5);
        // the KV cache holds what q|k|v gave: k of head 2 · q of head 2 / 4 = score
        const float score = c.q(l).row(7).segment(32, 16).dot(c.k(l).row(3).segment(32, 16)) / 4;
        EXPECT_NEAR(c.pattern(l, 2)->scores(7, 3), score, 1e-5);
        for (int h = 0; h < 4; ++h) {
            const auto pattern = c.pattern(l, h);
            // head outputs side by side = each pattern's probs · v
            EXPECT_LT(
                (attn.headOut.middleCols(h * 16, 16) - pattern->headOut).cwiseAbs().maxCoeff(),
                1e-6);
            for (int t = 0; t < 16; ++t) {
                RowMatrix p(1, 16);
                ops::softmaxCausal(p, pattern->scores.row(t), t);
                EXPECT_LT((p - pattern->probs.row(t)).cwiseAbs().maxCoeff(), 1e-6);
                // one query row, as the attention math shows it, is the same row
                const AttentionQueryRow row = c.attentionRow(l, h, t);
                EXPECT_LT((row.probs - pattern->probs.row(t).head(t + 1)).cwiseAbs().maxCoeff(),
                          1e-6);
                // a sum over t + 1 keys in another order: float noise, relative to |v| ~ 1
                EXPECT_LT((row.out - pattern->headOut.row(t)).cwiseAbs().maxCoeff(), 1e-5);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input, context overflow, threads

TEST(Forward, IdsOutsideTheVocabularyAreErrorsNamingIdAndPosition) {
    Forward f(tinyModel());
    const std::vector<int> bad = {1, 2, 50257};
    try {
        f.append(bad);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("50257"));
        EXPECT_THAT(e.what(), HasSubstr("position 2"));
    }
    EXPECT_EQ(f.length(), 0);
    const std::vector<int> negative = {-1};
    EXPECT_THROW(f.append(negative), Error);
    ForwardOptions badLayer;
    badLayer.capture.layers = {2};
    EXPECT_THROW({ Forward g(tinyModel(), badLayer); }, Error);
}

TEST(Forward, OverflowIsRefusedWithAClearMessageAndNothingChanges) {
    const auto d = sequence("D");  // 100 tokens, context 128
    Forward f(tinyModel());
    f.append(d);
    const Vector before = f.logitsLast();
    const std::vector<int> more(29, 42);
    try {
        f.append(more);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("prompt has 129 tokens but the model's context is 128"));
    }
    EXPECT_EQ(f.length(), 100);
    EXPECT_EQ(f.capture().T, 100);
    EXPECT_EQ(f.logitsLast(), before);
    const std::vector<int> fits(28, 42);
    f.append(fits);
    EXPECT_EQ(f.length(), 128);
}

TEST(Forward, TruncateLeftKeepsTheLastContextTokensAndRecomputes) {
    const auto d = sequence("D");
    ForwardOptions options;
    options.overflow = OverflowPolicy::TruncateLeft;
    Forward f(tinyModel(), options);
    f.append(d);
    std::vector<int> more(40);
    for (int i = 0; i < 40; ++i) more[size_t(i)] = (i * 31 + 5) % 50257;
    f.append(more);
    std::vector<int> all = d;
    all.insert(all.end(), more.begin(), more.end());
    const std::vector<int> kept(all.end() - 128, all.end());
    EXPECT_EQ(f.tokens(), kept);
    ASSERT_EQ(f.capture().T, 128);

    auto fresh = run(kept, kResidual);
    EXPECT_LT((f.capture().logits(0, 128) - fresh->capture().logits(0, 128)).cwiseAbs().maxCoeff(),
              1e-5);
    EXPECT_LT((f.logitsLast() - fresh->logitsLast()).cwiseAbs().maxCoeff(), 1e-5);
    EXPECT_EQ(f.capture().pattern(1, 0)->probs.rows(), 128);
    // one prompt longer than the context on its own
    Forward g(tinyModel(), options);
    std::vector<int> longPrompt(200);
    for (int i = 0; i < 200; ++i) longPrompt[size_t(i)] = i;
    g.append(longPrompt);
    EXPECT_EQ(g.length(), 128);
    EXPECT_EQ(g.tokens().front(), 72);
}

TEST(Forward, ResultsDoNotDependOnTheThreadCount) {
    const auto d = sequence("D");
    const std::vector<int> prefix(d.begin(), d.begin() + 90);
    double worst = 0;
    std::unique_ptr<Forward> f[2];
    for (int i = 0; i < 2; ++i) {
        f[i] = run(prefix, kResidual, i + 1);  // 1 and 2 threads
        // the run really uses the requested count (the callback runs on the calling thread)
        int seen = 0;
        const ProgressFn threadCount = [&](int, int) {
            seen = omp_get_max_threads();
            return true;
        };
        for (size_t t = 90; t < d.size(); ++t) f[i]->append(std::span(&d[t], 1), threadCount);
        EXPECT_EQ(seen, i + 1);
    }
    const Capture a = f[0]->capture(), b = f[1]->capture();
    worst = (a.logits(0, a.T) - b.logits(0, b.T)).cwiseAbs().maxCoeff();
    EXPECT_LT(worst, 1e-5);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h)
            EXPECT_LT((a.pattern(l, h)->probs - b.pattern(l, h)->probs).cwiseAbs().maxCoeff(),
                      1e-6);
    std::printf("1 vs 2 threads: max abs logit difference %.3g\n", worst);
}

}  // namespace
}  // namespace tscope
