// A decode step (one new position) runs as one parallel region whose threads split every product
// and meet at barriers (Forward's runRow). It must give the bits the layer-by-layer path gives
// (forced here by an observer hook), at any thread count, on a model whose widths do not fall on
// panel boundaries; and a cancel or a throwing progress callback after any layer must stop every
// thread and leave the sequence as it was.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

#include "core/forward.h"
#include "core/model.h"
#include "model_files_util.h"

namespace tscope {
namespace {

using testing::NamedTensor;

// 80 wide (a panel of 64 and one of 16), 5 heads of 16, 3 layers, MLP 320 wide.
constexpr int C = 80, H = 5, L = 3, V = 300, P = 64, F = 4 * C;

// Every parameter random (biases and LayerNorm weights too, so that each one matters).
std::vector<NamedTensor> oddTensors() {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 0.1f);
    std::vector<NamedTensor> tensors;
    auto add = [&](const std::string& name, std::vector<int64_t> shape, float offset = 0.0f) {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        std::vector<float> values(static_cast<size_t>(n));
        for (float& v : values) v = offset + normal(rng);
        tensors.push_back({name, std::move(shape), std::move(values)});
    };
    add("wte.weight", {V, C});
    add("wpe.weight", {P, C});
    add("ln_f.weight", {C}, 1.0f);
    add("ln_f.bias", {C});
    for (int l = 0; l < L; ++l) {
        const std::string h = "h." + std::to_string(l) + ".";
        add(h + "ln_1.weight", {C}, 1.0f);
        add(h + "ln_1.bias", {C});
        add(h + "ln_2.weight", {C}, 1.0f);
        add(h + "ln_2.bias", {C});
        add(h + "attn.c_attn.weight", {C, 3 * C});
        add(h + "attn.c_attn.bias", {3 * C});
        add(h + "attn.c_proj.weight", {C, C});
        add(h + "attn.c_proj.bias", {C});
        add(h + "mlp.c_fc.weight", {C, F});
        add(h + "mlp.c_fc.bias", {F});
        add(h + "mlp.c_proj.weight", {F, C});
        add(h + "mlp.c_proj.bias", {C});
    }
    return tensors;
}

std::shared_ptr<const Model> oddModel() {
    static const std::shared_ptr<const Model> model = [] {
        testing::TempDir dir;
        testing::writeModelDir(dir.path(), oddTensors(),
                               testing::withConfig(testing::configWithSizes(C, H, L, P, V)));
        return loadModel(dir.path());
    }();
    return model;
}

std::vector<int> tokens(int n) {
    std::vector<int> ids(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) ids[size_t(i)] = (i * 37 + 5) % V;
    return ids;
}

// layerByLayer: an observer hook, which makes every run take the layer-by-layer path.
std::unique_ptr<Forward> makeForward(int threads, bool layerByLayer) {
    ForwardOptions options;
    options.capture.level = CaptureLevel::Residual;
    options.threads = threads;
    if (layerByLayer)
        options.hooks.attentionProbs = [](int, int, const ops::ConstMatRef&, Eigen::Index) {};
    return std::make_unique<Forward>(oddModel(), options);
}

// Every tensor of both captures, and the last logits, equal bit for bit.
void expectSameBits(const Forward& a, const Forward& b) {
    ASSERT_EQ(a.logitsLast(), b.logitsLast());
    const Capture x = a.capture(), y = b.capture();
    ASSERT_EQ(x.tensorNames(), y.tensorNames());
    for (const std::string& name : x.tensorNames())
        EXPECT_EQ(x.tensor(name)->values, y.tensor(name)->values) << name;
}

TEST(DecodeStep, GivesTheLayerByLayerBitsAtAnyThreadCount) {
    const std::vector<int> ids = tokens(30);
    for (const int threads : {1, 2, 3}) {
        auto team = makeForward(threads, false), layers = makeForward(threads, true);
        team->append(std::span(ids).first(20));  // a prefill: the same path for both
        layers->append(std::span(ids).first(20));
        for (size_t t = 20; t < ids.size(); ++t) {
            team->append(std::span(&ids[t], 1));
            layers->append(std::span(&ids[t], 1));
        }
        SCOPED_TRACE(std::to_string(threads) + " threads");
        expectSameBits(*team, *layers);
    }
}

TEST(DecodeStep, CancelOrThrowAfterAnyLayerLeavesTheSequenceAsItWas) {
    const std::vector<int> ids = tokens(12);
    const auto prefix = std::span(ids).first(11);
    for (const int threads : {1, 2, 3}) {
        SCOPED_TRACE(std::to_string(threads) + " threads");
        auto f = makeForward(threads, false), reference = makeForward(threads, false);
        f->append(prefix);
        reference->append(prefix);
        for (int stop = 1; stop <= L; ++stop) {
            int calls = 0;
            const ProgressFn cancel = [&](int done, int) { return ++calls, done < stop; };
            EXPECT_THROW(f->append(std::span(&ids[11], 1), cancel), Cancelled);
            EXPECT_EQ(calls, stop);
            const ProgressFn fail = [&](int done, int) {
                if (done == stop) throw std::runtime_error("progress failed");
                return true;
            };
            EXPECT_THROW(f->append(std::span(&ids[11], 1), fail), std::runtime_error);
            EXPECT_EQ(f->length(), 11);
            expectSameBits(*f, *reference);
        }
        f->append(std::span(&ids[11], 1));  // and goes on as if nothing happened
        reference->append(std::span(&ids[11], 1));
        expectSameBits(*f, *reference);
    }
}

}  // namespace
}  // namespace tscope
