// The linear kernels on every instruction-set path against plain reference loops (odd shapes,
// strided views, one and two threads), the causal attention head against the full square, and
// ComputeScope's flush-to-zero.
#include "core/ops.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace {

using namespace tscope;
using Eigen::Index;

// Values in [-1, 1) from a fixed linear congruential sequence, so every run sees the same data.
RowMatrix filled(Index rows, Index cols, unsigned seed) {
    RowMatrix m(rows, cols);
    unsigned state = seed * 2654435761u + 1u;
    for (Index i = 0; i < m.size(); ++i) {
        state = state * 1664525u + 1013904223u;
        m.data()[i] = float(state >> 8) / float(1u << 23) - 1.0f;
    }
    return m;
}

// out [n,N] = x [n,K] · W [K,N] + b, in double (the reference next to the optimised kernels).
RowMatrix linearNaive(const RowMatrix& x, const RowMatrix& W, const Vector& b) {
    RowMatrix out(x.rows(), W.cols());
    for (Index i = 0; i < x.rows(); ++i)
        for (Index j = 0; j < W.cols(); ++j) {
            double sum = b.size() ? b[j] : 0.0;
            for (Index k = 0; k < x.cols(); ++k) sum += double(x(i, k)) * double(W(k, j));
            out(i, j) = float(sum);
        }
    return out;
}

// Float rounding of a K-term dot product with terms below 1 stays well under 1e-6 · K.
void expectNear(const RowMatrix& actual, const RowMatrix& expected, Index K,
                const std::string& where) {
    ASSERT_EQ(actual.rows(), expected.rows()) << where;
    ASSERT_EQ(actual.cols(), expected.cols()) << where;
    const float tolerance = 1e-6f * float(K) + 1e-6f;
    for (Index i = 0; i < actual.rows(); ++i)
        for (Index j = 0; j < actual.cols(); ++j)
            ASSERT_NEAR(actual(i, j), expected(i, j), tolerance)
                << where << " at (" << i << ", " << j << ")";
}

// Runs one kernel path for a test and puts the automatic choice back afterwards.
class KernelPathTest : public testing::TestWithParam<const char*> {
  protected:
    void SetUp() override {
        savedThreads_ = omp_get_max_threads();
        if (!ops::kernelPathSupported(GetParam()))
            GTEST_SKIP() << "this CPU does not run the " << GetParam() << " kernels";
        ops::setKernelPath(GetParam());
    }
    void TearDown() override {
        ops::setKernelPath("auto");
        omp_set_num_threads(savedThreads_);
    }

  private:
    int savedThreads_ = 1;
};

const Index kRows[] = {1, 2, 3, 5, 17, 64};

TEST_P(KernelPathTest, UsesTheChosenPath) {
    EXPECT_STREQ(ops::kernelPath(), GetParam());
}

TEST_P(KernelPathTest, LinearMatchesNaiveLoopOnOddShapes) {
    // K past one pass of W rows (128 / 256), N with whole strips, whole registers and a part
    const std::pair<Index, Index> shapes[] = {{1, 1},    {7, 13},   {33, 70},
                                              {130, 95}, {64, 192}, {300, 257}};
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        for (const auto& [K, N] : shapes)
            for (Index n : kRows) {
                const RowMatrix x = filled(n, K, 1), W = filled(K, N, 2);
                const Vector b = filled(N, 1, 3);
                RowMatrix out(n, N);
                ops::linear(out, x, PanelMatrix(W).ref(), b);
                expectNear(out, linearNaive(x, W, b), K,
                           "n=" + std::to_string(n) + " K=" + std::to_string(K) +
                               " N=" + std::to_string(N) + " threads=" + std::to_string(threads));
            }
    }
}

TEST_P(KernelPathTest, LinearReadsAndWritesStridedViewsInPlace) {
    const Index K = 150, N = 75;
    for (Index n : {1, 17}) {  // a decode row and a prefill
        // x, W and out are blocks of wider matrices; the columns around out must stay untouched
        const RowMatrix xWide = filled(n, K + 9, 4), WWide = filled(K, N + 21, 5);
        const Vector b = filled(N, 1, 6);
        RowMatrix outWide = RowMatrix::Constant(n, N + 40, 7.0f);
        ops::linear(outWide.middleCols(3, N), xWide.middleCols(5, K),
                    PanelMatrix(WWide.middleCols(11, N)).ref(), b);
        const RowMatrix expected = linearNaive(xWide.middleCols(5, K), WWide.middleCols(11, N), b);
        expectNear(outWide.middleCols(3, N), expected, K, "strided n=" + std::to_string(n));
        EXPECT_TRUE((outWide.leftCols(3).array() == 7.0f).all());
        EXPECT_TRUE((outWide.rightCols(37).array() == 7.0f).all());
    }
}

// A decode step computes one row alone; the views recompute rows in blocks. Our kernels sum each
// output in the same order either way, so a row alone equals that row of a block, bit for bit.
TEST_P(KernelPathTest, ARowAloneEqualsThatRowOfABlock) {
    if (std::string_view(GetParam()) == "eigen") GTEST_SKIP() << "Eigen sums in its own order";
    const Index n = 9, K = 300, N = 770;  // N past 256: the row splits its columns over threads
    const RowMatrix x = filled(n, K, 12), W = filled(K, N, 13), M = filled(N, K, 14);
    const Vector b = filled(N, 1, 15);
    const PanelMatrix panels(W), panelsT = PanelMatrix::transposed(M.data(), N, K, K);
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        RowMatrix block(n, N), blockT(n, N), row(1, N), rowT(1, N);
        ops::linear(block, x, panels.ref(), b);
        ops::linear(blockT, x, panelsT.ref());  // no bias: the unembedding
        for (Index i = 0; i < n; ++i) {
            ops::linear(row, x.row(i), panels.ref(), b);
            ops::linear(rowT, x.row(i), panelsT.ref());
            EXPECT_EQ(row, block.row(i)) << "linear row " << i << ", threads " << threads;
            EXPECT_EQ(rowT, blockT.row(i)) << "unembedding row " << i << ", threads " << threads;
        }
    }
}

// The unembedding: x · Mᵀ for M [R,C] (wte), through M copied transposed into panels.
TEST_P(KernelPathTest, UnembeddingOnTransposedPanelsMatchesNaiveLoop) {
    const std::pair<Index, Index> shapes[] = {{1, 1},    {5, 8},     {7, 17},
                                              {64, 100}, {130, 768}, {300, 70}};
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        for (const auto& [R, C] : shapes)
            for (Index n : kRows) {
                const RowMatrix x = filled(n, C, 8), M = filled(R, C, 9);
                const PanelMatrix Mt = PanelMatrix::transposed(M.data(), R, C, C);  // [C,R]
                RowMatrix out(n, R);
                ops::linear(out, x, Mt.ref());
                const RowMatrix naiveMt = M.transpose();
                expectNear(out, linearNaive(x, naiveMt, Vector()), C,
                           "n=" + std::to_string(n) + " R=" + std::to_string(R) +
                               " C=" + std::to_string(C) + " threads=" + std::to_string(threads));
            }
    }
}

// Strided views: rows of M ld floats apart (a wider matrix's left columns), of x and of out.
TEST_P(KernelPathTest, UnembeddingReadsStridedViews) {
    const Index C = 90, R = 139;
    const RowMatrix MWide = filled(R, C + 13, 11);
    const PanelMatrix Mt = PanelMatrix::transposed(MWide.data(), R, C, MWide.cols());
    for (Index n : {1, 70}) {  // a decode row; a block of rows
        const RowMatrix xWide = filled(n, C + 6, 10);
        RowMatrix outWide = RowMatrix::Constant(n, R + 20, 7.0f);
        ops::linear(outWide.middleCols(4, R), xWide.rightCols(C), Mt.ref());
        const RowMatrix naiveMt = MWide.leftCols(C).transpose();
        expectNear(outWide.middleCols(4, R), linearNaive(xWide.rightCols(C), naiveMt, Vector()), C,
                   "strided n=" + std::to_string(n));
        EXPECT_TRUE((outWide.leftCols(4).array() == 7.0f).all());
        EXPECT_TRUE((outWide.rightCols(16).array() == 7.0f).all());
    }
}

// A waiting thread's prefetch of its next run of panels reads them as that path's kernel does:
// as many full panels side by side as it streams (one on the Eigen path), never the narrow last
// panel (its rows are laid out otherwise), one row of each per call, all K rows when they fit.
TEST_P(KernelPathTest, PrefetchOfARunFollowsThePathsStreams) {
    const std::string_view path = GetParam();
    const int side = path == "avx512" ? 4 : path == "avx2" ? 2 : 1;
    const Index K = 8, N = 5 * kernels::kPanelCols + 17;  // 6 panels, the last 17 wide
    const PanelMatrix W(filled(K, N, 16));
    struct Case {
        int part, parts, streams;
    };
    const Case cases[] = {{0, 1, std::min(side, 5)},
                          {0, 2, std::min(side, 3)},  // panels 0 .. 2
                          {1, 2, std::min(side, 2)},  // panels 3 .. 5, the last narrow
                          {5, 6, 0}};                 // the narrow panel alone: nothing
    for (const Case& c : cases) {
        kernels::PanelPrefetch fetch = ops::prefetchRowPart(W.ref(), c.part, c.parts);
        EXPECT_EQ(fetch.streams(), c.streams) << c.part << " of " << c.parts;
        const Index rows = c.streams > 0 ? K : 0;
        EXPECT_EQ(fetch.rows(), rows) << c.part << " of " << c.parts;
        Index calls = 0;
        while (fetch()) ++calls;
        EXPECT_EQ(calls, rows) << c.part << " of " << c.parts;
    }
    // a tall panel run is fetched only up to the budget
    const Index tall = 4096;
    const PanelMatrix deep(filled(tall, 4 * kernels::kPanelCols, 17));
    const kernels::PanelPrefetch fetch = ops::prefetchRowPart(deep.ref(), 0, 1);
    EXPECT_EQ(fetch.rows(), std::min<Index>(tall, kernels::PanelPrefetch::kBytes /
                                                      (side * kernels::kPanelCols * 4)));
}

INSTANTIATE_TEST_SUITE_P(Paths, KernelPathTest, testing::Values("avx2", "avx512", "eigen"),
                         [](const auto& info) { return std::string(info.param); });

TEST(KernelPath, AutoPicksTheBestSupportedPath) {
    ops::setKernelPath("auto");
    const std::string expected = ops::kernelPathSupported("avx512") ? "avx512"
                                 : ops::kernelPathSupported("avx2") ? "avx2"
                                                                    : "eigen";
    EXPECT_EQ(ops::kernelPath(), expected);
}

TEST(KernelPath, UnknownPathIsAClearError) {
    EXPECT_FALSE(ops::kernelPathSupported("sse2"));
    EXPECT_THROW(ops::setKernelPath("sse2"), Error);
}

// The forward pass's former attention: the full square, masked afterwards.
void attentionNaive(RowMatrix& out, RowMatrix& probs, const RowMatrix& q, const RowMatrix& k,
                    const RowMatrix& v) {
    const Index n = q.rows(), T = k.rows(), t0 = T - n;
    probs = RowMatrix::Zero(n, T);
    for (Index i = 0; i < n; ++i) {
        std::vector<double> s(size_t(t0 + i + 1));
        double max = -INFINITY, sum = 0;
        for (Index t = 0; t <= t0 + i; ++t) {
            s[size_t(t)] =
                q.row(i).cast<double>().dot(k.row(t).cast<double>()) / std::sqrt(double(q.cols()));
            max = std::max(max, s[size_t(t)]);
        }
        for (double& e : s) sum += (e = std::exp(e - max));
        for (Index t = 0; t <= t0 + i; ++t) probs(i, t) = float(s[size_t(t)] / sum);
    }
    out = probs * v;
}

// A decode step's attention: one query against T keys and values that are one head's columns
// of the wider K and V stores (rows 3·D + 5 floats apart); the output is one head's columns of a
// wider row, whose other columns stay untouched.
TEST_P(KernelPathTest, OneQueryAttendsLikeTheNaiveHead) {
    for (Index D : {24, 64, 70})
        for (Index T : {1, 6, 7, 300}) {
            const RowMatrix q = filled(1, D, 16), kWide = filled(T, 3 * D + 5, 17),
                            vWide = filled(T, 3 * D + 5, 18);
            const RowMatrix k = kWide.middleCols(D, D), v = vWide.middleCols(2 * D, D);
            RowMatrix outWide = RowMatrix::Constant(1, 3 * D, 7.0f), scores(1, T), probs(1, T);
            ops::attentionHead(outWide.middleCols(D, D), scores, probs, q, kWide.middleCols(D, D),
                               vWide.middleCols(2 * D, D));
            RowMatrix expectedOut, expectedProbs;
            attentionNaive(expectedOut, expectedProbs, q, k, v);
            const std::string where = "D=" + std::to_string(D) + " T=" + std::to_string(T);
            expectNear(probs, expectedProbs, D, where + " probs");
            expectNear(outWide.middleCols(D, D), expectedOut, T, where + " out");
            EXPECT_TRUE((outWide.leftCols(D).array() == 7.0f).all()) << where;
            EXPECT_TRUE((outWide.rightCols(D).array() == 7.0f).all()) << where;
        }
}

TEST(AttentionHead, ComputesTheCausalTriangleLikeTheFullSquare) {
    const Index D = 24;
    for (const auto& [n, T] : std::vector<std::pair<Index, Index>>{
             {1, 1}, {1, 40}, {3, 3}, {5, 9}, {40, 40}, {70, 70}, {33, 100}}) {
        const RowMatrix q = filled(n, D, 12), k = filled(T, D, 13), v = filled(T, D, 14);
        RowMatrix out(n, D), scores = RowMatrix::Constant(n, T, 5.0f), probs(n, T);
        ops::attentionHead(out, scores, probs, q, k, v);
        RowMatrix expectedOut, expectedProbs;
        attentionNaive(expectedOut, expectedProbs, q, k, v);
        const std::string where = "n=" + std::to_string(n) + " T=" + std::to_string(T);
        expectNear(probs, expectedProbs, D, where + " probs");
        expectNear(out, expectedOut, T, where + " out");
        for (Index i = 0; i < n; ++i)
            for (Index t = T - n + i + 1; t < T; ++t) {  // above the diagonal: exactly masked
                ASSERT_EQ(scores(i, t), -INFINITY) << where;
                ASSERT_EQ(probs(i, t), 0.0f) << where;
            }
        // scores and probs in one matrix give the same probabilities
        RowMatrix shared(n, T), outShared(n, D);
        ops::attentionHead(outShared, shared, shared, q, k, v);
        EXPECT_EQ(shared, probs) << where;
        EXPECT_EQ(outShared, out) << where;
    }
}

// A product whose exact result is a denormal float.
float denormalProduct() {
    volatile float tiny = 1e-30f, scale = 1e-10f;
    return tiny * scale;  // 1e-40 < FLT_MIN
}

TEST(ComputeScope, FlushesDenormalsOnEveryTeamThreadAndRestores) {
    omp_set_num_threads(2);
    ASSERT_NE(denormalProduct(), 0.0f) << "denormals already flushed before the scope";
    {
        ops::ComputeScope scope;
        EXPECT_EQ(denormalProduct(), 0.0f);
        std::vector<float> perThread(2, 1.0f);
#pragma omp parallel num_threads(2)
        perThread[size_t(omp_get_thread_num())] = denormalProduct();
        EXPECT_EQ(perThread[0], 0.0f);
        EXPECT_EQ(perThread[1], 0.0f);
        { ops::ComputeScope nested; }
        EXPECT_EQ(denormalProduct(), 0.0f) << "a nested scope ended the outer one";
    }
    EXPECT_NE(denormalProduct(), 0.0f);
    std::vector<float> perThread(2, 0.0f);
#pragma omp parallel num_threads(2)
    perThread[size_t(omp_get_thread_num())] = denormalProduct();
    EXPECT_NE(perThread[1], 0.0f);
}

}  // namespace
