// One head's attention step by step: the scores are q·k/√D of the stored vectors, the weights
// their softmax, the output the weighted sum of the values, and all of it is what the forward
// pass used (the capture's pattern and head outputs), recomputed here in double.
#include "core/attention_steps.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/forward.h"
#include "research_golden_util.h"

namespace tscope {
namespace {

using testing::tinyGpt2;

const std::vector<int> kIds = {464, 1176, 7901, 2005, 11, 262, 3797};  // "The power clapper…"

Capture captureOf(Forward& forward) {
    forward.append(kIds);
    return forward.capture();
}

TEST(AttentionSteps, ScoresWeightsAndOutputAddUp) {
    Forward forward(tinyGpt2());
    const Capture capture = captureOf(forward);
    const int D = capture.model().config.headDim();
    for (int layer = 0; layer < capture.layers(); ++layer)
        for (int head = 0; head < capture.heads(); ++head)
            for (int query = 0; query < capture.T; ++query) {
                const AttentionSteps s = attentionSteps(capture, layer, head, query);
                ASSERT_EQ(s.keys(), query + 1);  // the causal mask: no key after the query
                ASSERT_EQ(s.q.size(), D);
                ASSERT_EQ(s.v.cols(), D);
                EXPECT_FLOAT_EQ(s.scale, 1.0f / std::sqrt(float(D)));
                double maxScore = -INFINITY, total = 0;
                std::vector<double> scores(size_t(s.keys()));
                for (int j = 0; j < s.keys(); ++j) {
                    double dot = 0;
                    for (int d = 0; d < D; ++d) dot += double(s.q(d)) * s.k(j, d);
                    scores[size_t(j)] = dot / std::sqrt(double(D));
                    EXPECT_NEAR(s.scores(j), scores[size_t(j)], 1e-4 * (1 + std::abs(dot)));
                    maxScore = std::max(maxScore, scores[size_t(j)]);
                }
                for (double x : scores) total += std::exp(x - maxScore);
                std::vector<double> out(size_t(D), 0.0);
                double weightSum = 0;
                for (int j = 0; j < s.keys(); ++j) {
                    const double w = std::exp(scores[size_t(j)] - maxScore) / total;
                    EXPECT_NEAR(s.weights(j), w, 1e-5);
                    weightSum += s.weights(j);
                    for (int d = 0; d < D; ++d) out[size_t(d)] += w * s.v(j, d);
                }
                EXPECT_NEAR(weightSum, 1.0, 1e-5);
                for (int d = 0; d < D; ++d) EXPECT_NEAR(s.out(d), out[size_t(d)], 1e-4);
            }
}

TEST(AttentionSteps, AreWhatTheForwardPassUsed) {
    Forward forward(tinyGpt2());
    const Capture capture = captureOf(forward);
    const int D = capture.model().config.headDim(), last = capture.T - 1;
    for (int layer = 0; layer < capture.layers(); ++layer) {
        const RowMatrix headOut = capture.attentionRows(layer, last, 1).headOut;  // [1,C]
        for (int head = 0; head < capture.heads(); ++head) {
            const AttentionSteps s = attentionSteps(capture, layer, head, last);
            const auto pattern = capture.pattern(layer, head);
            for (int j = 0; j < s.keys(); ++j)
                EXPECT_NEAR(s.weights(j), pattern->probs(last, j), 1e-6);
            for (int d = 0; d < D; ++d) {
                EXPECT_NEAR(s.out(d), headOut(0, head * D + d), 1e-5);
                EXPECT_EQ(s.q(d), capture.q(layer)(last, head * D + d));
                EXPECT_EQ(s.k(last, d), capture.k(layer)(last, head * D + d));  // its own key
            }
        }
    }
}

TEST(AttentionSteps, OutOfRangeIsAClearError) {
    Forward forward(tinyGpt2());
    const Capture capture = captureOf(forward);
    EXPECT_THROW(attentionSteps(capture, capture.layers(), 0, 0), Error);
    EXPECT_THROW(attentionSteps(capture, -1, 0, 0), Error);
    EXPECT_THROW(attentionSteps(capture, 0, capture.heads(), 0), Error);
    EXPECT_THROW(attentionSteps(capture, 0, 0, capture.T), Error);
    EXPECT_THROW(attentionSteps(Capture(), 0, 0, 0), Error);
}

}  // namespace
}  // namespace tscope
