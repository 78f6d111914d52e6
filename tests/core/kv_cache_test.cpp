// The KV cache: appending tokens one at a time or in chunks, truncating and cancelling must all
// leave exactly the capture a full recompute gives. (The full pass itself is checked against
// llm.c in forward_test.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>

#include "core/error.h"
#include "core/forward.h"

namespace tscope {
namespace {

std::shared_ptr<const Model> tinyModel() {
    static const std::shared_ptr<const Model> model = loadModel(TSCOPE_FIXTURES "/tiny-gpt2");
    return model;
}

// Sequence D of the fixture: 100 tokens, (i·7919 + 13) mod 50257.
std::vector<int> sequenceD() {
    std::ifstream in(TSCOPE_FIXTURES "/tiny-gpt2/expected.json");
    return nlohmann::json::parse(in)["sequences"]["D"]["tokens"].get<std::vector<int>>();
}

std::unique_ptr<Forward> makeForward(CaptureLevel level = CaptureLevel::Full) {
    ForwardOptions options;
    options.capture.level = level;
    return std::make_unique<Forward>(tinyModel(), options);
}

// Largest difference over every named tensor of two captures (−inf must match −inf); fails
// when the two do not hold the same tensors with the same shapes, or a value differs by more
// than 1e-5. The attention scores (q·k/√D, before softmax) come from sums of products of large
// q and k entries, so they are held to 1e-5 relative to the tensor's largest magnitude.
double maxCaptureDiff(const Capture& a, const Capture& b) {
    EXPECT_EQ(a.T, b.T);
    const auto names = a.tensorNames();
    EXPECT_EQ(names, b.tensorNames());
    double worst = 0;
    for (const std::string& name : names) {
        const auto x = a.tensor(name), y = b.tensor(name);
        if (!x || !y || x->shape != y->shape) {
            ADD_FAILURE() << name << ": missing or shape differs";
            continue;
        }
        double diff = 0, scale = 0;
        for (size_t i = 0; i < x->values.size(); ++i) {
            const float u = x->values[i], v = y->values[i];
            if (std::isinf(u) || std::isinf(v)) {
                EXPECT_EQ(u, v) << name << " [" << i << "]";
                continue;
            }
            diff = std::max(diff, std::abs(double(u) - v));
            scale = std::max(scale, double(std::abs(u)));
        }
        const bool scores = name.ends_with("attn.scores");
        EXPECT_LE(diff, 1e-5 * (scores ? std::max(1.0, scale) : 1.0)) << name;
        if (std::getenv("TSCOPE_TEST_VERBOSE"))
            std::printf("  %-20s max |diff| %.3g  max |value| %.3g\n", name.c_str(), diff, scale);
        if (!scores) worst = std::max(worst, diff);
    }
    return worst;
}

void appendChunks(Forward& f, const std::vector<int>& tokens, const std::vector<int>& sizes) {
    size_t at = 0;
    for (int n : sizes) {
        f.append(std::span(tokens).subspan(at, size_t(n)));
        at += size_t(n);
    }
    ASSERT_EQ(at, tokens.size());
}

TEST(KvCache, TokenByTokenEqualsTheFullPassAtEveryStep) {
    const auto d = sequenceD();
    auto full = makeForward();
    full->append(d);
    auto step = makeForward();
    for (size_t t = 0; t < d.size(); ++t) {
        step->append(std::span(&d[t], 1));
        // the new row of every tensor equals the recompute's row t
        const Capture& c = step->capture();
        const Capture& r = full->capture();
        ASSERT_EQ(c.T, int(t) + 1);
        EXPECT_LT((c.logits.row(t) - r.logits.row(t)).cwiseAbs().maxCoeff(), 1e-5) << t;
        EXPECT_NEAR(c.logsumexp[t], r.logsumexp[t], 1e-5) << t;
        for (int l = 0; l < 2; ++l) {
            const LayerCapture &L = c.layers[l], &R = r.layers[l];
            EXPECT_LT((L.residPost.row(t) - R.residPost.row(t)).cwiseAbs().maxCoeff(), 1e-5);
            for (int h = 0; h < 4; ++h)
                EXPECT_LT(
                    (L.probs[h].view().row(t).head(t + 1) - R.probs[h].view().row(t).head(t + 1))
                        .cwiseAbs()
                        .maxCoeff(),
                    1e-5)
                    << "layer " << l << " head " << h << " step " << t;
        }
    }
    const double worst = maxCaptureDiff(step->capture(), full->capture());
    std::printf("token by token (100 steps) vs full pass: max abs diff %.3g (scores excluded)\n",
                worst);
    EXPECT_LT((step->capture().logitsLast - full->capture().logitsLast).cwiseAbs().maxCoeff(),
              1e-5);
}

TEST(KvCache, UnevenChunksEqualTheFullPass) {
    const auto d = sequenceD();
    auto full = makeForward();
    full->append(d);
    auto chunked = makeForward();
    appendChunks(*chunked, d, {1, 7, 3, 20, 1, 1, 30, 37});
    const double worst = maxCaptureDiff(chunked->capture(), full->capture());
    std::printf("uneven chunks vs full pass: max abs diff %.3g\n", worst);
}

TEST(KvCache, EveryLevelDecodesLikeItsFullPass) {
    const auto d = sequenceD();
    for (CaptureLevel level : {CaptureLevel::None, CaptureLevel::Attention}) {
        auto full = makeForward(level);
        full->append(d);
        auto chunked = makeForward(level);
        appendChunks(*chunked, d, {60, 1, 1, 1, 1, 36});
        maxCaptureDiff(chunked->capture(), full->capture());
    }
}

TEST(KvCache, TruncateThenReappendEqualsRecompute) {
    const auto d = sequenceD();
    const std::vector<int> first60(d.begin(), d.begin() + 60);
    for (CaptureLevel level : {CaptureLevel::None, CaptureLevel::Attention, CaptureLevel::Full}) {
        auto f = makeForward(level);
        f->append(d);
        f->truncate(60);
        EXPECT_EQ(f->length(), 60);
        EXPECT_EQ(f->tokens(), first60);
        auto short60 = makeForward(level);
        short60->append(first60);
        // logitsLast is now position 59's, also where the capture does not keep all logits
        maxCaptureDiff(f->capture(), short60->capture());

        f->append(std::span(d).subspan(60));  // the same tokens again
        auto full = makeForward(level);
        full->append(d);
        maxCaptureDiff(f->capture(), full->capture());

        // a different continuation equals its own recompute
        f->truncate(80);
        std::vector<int> other(d.begin(), d.begin() + 80);
        const std::vector<int> tail = {5, 6, 7, 50256};
        other.insert(other.end(), tail.begin(), tail.end());
        f->append(tail);
        auto recompute = makeForward(level);
        recompute->append(other);
        maxCaptureDiff(f->capture(), recompute->capture());

        f->truncate(0);
        EXPECT_EQ(f->length(), 0);
        EXPECT_EQ(f->capture().T, 0);
        EXPECT_TRUE(f->capture().logsumexp.empty());
        f->append(first60);
        maxCaptureDiff(f->capture(), short60->capture());
        f->truncate(1000);  // longer than the sequence: nothing changes
        EXPECT_EQ(f->length(), 60);
        EXPECT_THROW(f->truncate(-1), Error);
    }
}

TEST(KvCache, ResetStartsAnEmptySequence) {
    const auto d = sequenceD();
    const std::vector<int> first30(d.begin(), d.begin() + 30);
    auto f = makeForward();
    f->append(d);
    f->reset();
    EXPECT_EQ(f->length(), 0);
    EXPECT_EQ(f->capture().T, 0);
    EXPECT_EQ(f->capture().layers[0].probs[0].size(), 0);
    f->append(first30);
    auto fresh = makeForward();
    fresh->append(first30);
    maxCaptureDiff(f->capture(), fresh->capture());
}

TEST(KvCache, CancelLeavesTheStateAsBefore) {
    const auto d = sequenceD();
    const std::vector<int> first50(d.begin(), d.begin() + 50);
    auto f = makeForward();
    f->append(first50);
    auto reference = makeForward();
    reference->append(first50);

    int calls = 0;
    const ProgressFn cancelAfterFirstLayer = [&](int done, int total) {
        ++calls;
        EXPECT_EQ(total, 2);
        return done < 1;
    };
    EXPECT_THROW(f->append(std::span(d).subspan(50, 30), cancelAfterFirstLayer), Cancelled);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(f->length(), 50);
    maxCaptureDiff(f->capture(), reference->capture());

    // the decode path, and a cancel after the last layer
    const ProgressFn cancelAtEnd = [](int done, int total) { return done < total; };
    EXPECT_THROW(f->append(std::span(&d[50], 1), cancelAtEnd), Cancelled);
    maxCaptureDiff(f->capture(), reference->capture());

    // carries on as if nothing happened
    std::vector<int> progressSeen;
    f->append(std::span(d).subspan(50), [&](int done, int) {
        progressSeen.push_back(done);
        return true;
    });
    EXPECT_EQ(progressSeen, (std::vector<int>{1, 2}));
    auto full = makeForward();
    full->append(d);
    maxCaptureDiff(f->capture(), full->capture());

    // cancelling the very first run leaves an empty sequence
    auto empty = makeForward(CaptureLevel::None);
    EXPECT_THROW(empty->append(d, [](int, int) { return false; }), Cancelled);
    EXPECT_EQ(empty->length(), 0);
    EXPECT_EQ(empty->capture().logitsLast.size(), 0);
    EXPECT_TRUE(empty->capture().logsumexp.empty());
}

TEST(KvCache, CancelledTruncateLeftKeepsTheOldSequence) {
    const auto d = sequenceD();
    ForwardOptions options;
    options.overflow = OverflowPolicy::TruncateLeft;
    Forward f(tinyModel(), options);
    f.append(d);
    const Vector before = f.capture().logitsLast;
    const std::vector<int> more(40, 7);
    EXPECT_THROW(f.append(more, [](int, int) { return false; }), Cancelled);
    EXPECT_EQ(f.tokens(), d);
    EXPECT_EQ(f.capture().logitsLast, before);
    EXPECT_EQ(f.capture().layers[0].probs[0].size(), 100);
}

}  // namespace
}  // namespace tscope
