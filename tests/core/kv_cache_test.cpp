// The KV cache: appending tokens one at a time or in chunks, truncating and cancelling must all
// leave exactly the capture a full recompute gives. (The full pass itself is checked against
// llm.c in forward_test.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>

#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "core/forward.h"
#include "core/memory_hints.h"
#include "core/row_store.h"

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

std::unique_ptr<Forward> makeForward(CaptureLevel level = CaptureLevel::Residual) {
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
        const Capture c = step->capture();
        const Capture r = full->capture();
        ASSERT_EQ(c.T, int(t) + 1);
        EXPECT_LT((c.logitsLast() - r.logitsAt(int(t))).cwiseAbs().maxCoeff(), 1e-5) << t;
        for (int l = 0; l < 2; ++l) {
            EXPECT_LT((c.residPost(l).row(t) - r.residPost(l).row(t)).cwiseAbs().maxCoeff(), 1e-5);
            for (int h = 0; h < 4; ++h)
                EXPECT_LT((c.attentionRow(l, h, int(t)).probs - r.attentionRow(l, h, int(t)).probs)
                              .cwiseAbs()
                              .maxCoeff(),
                          1e-5)
                    << "layer " << l << " head " << h << " step " << t;
        }
    }
    const double worst = maxCaptureDiff(step->capture(), full->capture());
    std::printf("token by token (100 steps) vs full pass: max abs diff %.3g (scores excluded)\n",
                worst);
    EXPECT_LT((step->logitsLast() - full->logitsLast()).cwiseAbs().maxCoeff(), 1e-5);
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
    for (CaptureLevel level : {CaptureLevel::None, CaptureLevel::Residual}) {
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
    for (CaptureLevel level : {CaptureLevel::None, CaptureLevel::Residual}) {
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
        EXPECT_TRUE(f->capture().logsumexp().empty());
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
    EXPECT_EQ(f->capture().q(0).rows(), 0);
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
    EXPECT_EQ(empty->logitsLast().size(), 0);
    EXPECT_TRUE(empty->capture().logsumexp().empty());
}

TEST(KvCache, CancelledTruncateLeftKeepsTheOldSequence) {
    const auto d = sequenceD();
    ForwardOptions options;
    options.overflow = OverflowPolicy::TruncateLeft;
    Forward f(tinyModel(), options);
    f.append(d);
    const Vector before = f.logitsLast();
    const std::vector<int> more(40, 7);
    EXPECT_THROW(f.append(more, [](int, int) { return false; }), Cancelled);
    EXPECT_EQ(f.tokens(), d);
    EXPECT_EQ(f.logitsLast(), before);
    EXPECT_EQ(f.capture().pattern(0, 0)->probs.rows(), 100);
}

// ---------------------------------------------------------------------------------------------
// The shared store: snapshots are views, steps append rows, nothing grows past the context

// Bytes one position adds to the store of the tiny model at the Residual level: k, v, q,
// resid_mid and resid_post of every layer.
constexpr size_t kRowBytes = 2 * 5 * 64 * sizeof(float);
// Slack: each of the 10 stores rounds up to a page, plus the last logits [V].
constexpr size_t kSlack = 10 * 4096 + 50257 * sizeof(float);

TEST(ActivationStore, StepsAddRowsAndNeverCopyTheCapture) {
    const auto d = sequenceD();
    auto f = makeForward();
    f->append(std::span(d).first(50));
    std::vector<Capture> history{f->capture()};  // the app holds every step's snapshot
    const size_t afterPrefill = f->capture().bytesReserved();
    EXPECT_LE(afterPrefill, 50 * kRowBytes + kSlack);
    for (int step = 50; step < 100; ++step) {
        f->append(std::span(&d[size_t(step)], 1));
        history.push_back(f->capture());
    }
    const size_t afterSteps = f->capture().bytesReserved();
    EXPECT_LE(afterSteps - afterPrefill, 50 * kRowBytes + kSlack);
    // every snapshot still shows its own length and the same rows as the newest
    for (const Capture& c : history)
        EXPECT_EQ(c.residPost(1).row(c.T - 1), f->capture().residPost(1).row(c.T - 1));
    // going back costs nothing
    for (int i = 0; i < 20; ++i) f->truncate(f->length() - 1);
    EXPECT_EQ(f->capture().bytesReserved(), afterSteps);
}

TEST(ActivationStore, AViewKeepsItsRowsWhenTheEngineTakesAnotherPath) {
    const auto d = sequenceD();
    auto f = makeForward();
    f->append(std::span(d).first(40));
    const Capture old = f->capture();  // an older snapshot the GUI still shows
    const RowMatrix oldResid = old.residPost(1);
    const Vector oldLast = old.logitsLast();
    f->truncate(30);
    const std::vector<int> other = {11, 12, 13, 14, 15};
    f->append(other);  // rewrites rows 30..34: the engine must copy first
    EXPECT_EQ(old.T, 40);
    EXPECT_EQ(old.residPost(1), oldResid);
    EXPECT_EQ(old.logitsLast(), oldLast);
    std::vector<int> path(d.begin(), d.begin() + 30);
    path.insert(path.end(), other.begin(), other.end());
    auto recompute = makeForward();
    recompute->append(path);
    maxCaptureDiff(f->capture(), recompute->capture());
}

TEST(ActivationStore, NothingGrowsPastTheContext) {
    auto f = makeForward();
    std::vector<int> ids(128);
    for (int i = 0; i < 128; ++i) ids[size_t(i)] = (i * 37 + 1) % 50257;
    f->append(std::span(ids).first(100));
    for (size_t t = 100; t < ids.size(); ++t) f->append(std::span(&ids[t], 1));
    EXPECT_EQ(f->length(), 128);  // n_positions
    EXPECT_LE(f->capture().bytesReserved(), 128 * kRowBytes + kSlack);
    const int next = 5;
    EXPECT_THROW(f->append(std::span(&next, 1)), Error);
    EXPECT_LE(f->capture().bytesReserved(), 128 * kRowBytes + kSlack);
}

// Resident bytes of [data, data + bytes) as the kernel counts them (mincore, 4 KiB pages).
size_t residentBytes(const float* data, size_t bytes) {
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> resident((bytes + page - 1) / page);
    if (mincore(const_cast<float*>(data), bytes, resident.data()) != 0) return 0;
    return size_t(std::count_if(resident.begin(), resident.end(),
                                [](unsigned char r) { return r & 1; })) *
           page;
}

// GPT-2 small's store of one tensor, aligned for huge pages: the resident bytes it reports are
// what the kernel says (huge pages or not), within the promised 1.5 MiB past the rows, after a
// short or long prefill and decode steps after it.
TEST(RowStore, ReportsTheBytesTheKernelHoldsResident) {
    constexpr Eigen::Index kCapacity = 1024, kWidth = 768;
    constexpr size_t kRow = kWidth * sizeof(float);
    for (Eigen::Index prefill : {16, 300, 700, 1000}) {
        RowStore store(kCapacity, kWidth);
        const float* data = store.top(0).data();
        EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % memory::kHugePageBytes, 0u);
        EXPECT_EQ(store.bytesReserved(), 2 * memory::kHugePageBytes);  // 3 MiB, rounded up
        store.rows(0, prefill).setConstant(1.0f);
        for (Eigen::Index t = prefill; t < std::min(kCapacity, prefill + 20); ++t)
            store.rows(t, 1).setConstant(2.0f);
        const size_t written = size_t(std::min(kCapacity, prefill + 20)) * kRow;
        EXPECT_EQ(store.bytesTouched(), residentBytes(data, store.bytesReserved())) << prefill;
        EXPECT_GE(store.bytesTouched(), written) << prefill;
        EXPECT_LE(store.bytesTouched(), written + memory::kHugePageBytes * 3 / 4) << prefill;
        EXPECT_EQ(store.row(prefill - 1)(0), 1.0f);
    }
}

TEST(ActivationStore, OnDemandPatternsEqualWhatTheForwardPassUsed) {
    const auto d = sequenceD();
    std::map<std::pair<int, int>, RowMatrix> used;  // (layer, head) → [T,T] rows as computed
    std::mutex mutex;
    ForwardOptions options;
    options.hooks.attentionProbs = [&](int l, int h, const ops::ConstMatRef& probs,
                                       Eigen::Index t0) {
        std::lock_guard lock(mutex);
        RowMatrix& m = used[{l, h}];
        m.conservativeResize(t0 + probs.rows(), 100);
        m.bottomRows(probs.rows()).setZero();
        m.bottomRows(probs.rows()).leftCols(probs.cols()) = probs;
    };
    Forward f(tinyModel(), options);
    appendChunks(f, d, {60, 1, 1, 1, 37});  // prefill, decode steps, a chunk
    const Capture c = f.capture();
    double worst = 0;
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h)
            worst = std::max(
                worst, double((c.pattern(l, h)->probs - used.at({l, h})).cwiseAbs().maxCoeff()));
    EXPECT_LE(worst, 1e-6);
    std::printf("on-demand patterns vs the forward pass's: max abs diff %.3g\n", worst);
}

}  // namespace
}  // namespace tscope
