// Two interactions a presenter makes live, with their targets (median):
// - Output view: a temperature change → the distribution recomputed from the stored logits and
//   50 bars redrawn (< 16 ms, one frame). One iteration = a slider step + the events that follow.
// - Attention view: switching the shown head at T = 256 and T = 1024 (< 50 ms).
// One iteration = Session::selectHead + everything the view does for it (refill the T×T colour
// map, the math pane's T-row table, the outline in the small multiples) + processing the events
// that follow (the queued replots and the repaint of the offscreen window), as in the app. The
// model is random but GPT-2-shaped (C = 768, 12 heads, 1024 positions, 50257 tokens); two layers
// suffice, since a head switch costs the same in any layer. Built only with the GUI
// (TSCOPE_HAVE_UI); runs offscreen.
#ifdef TSCOPE_HAVE_UI

#include <benchmark/benchmark.h>
#include <qcustomplot.h>

#include <QApplication>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/safetensors.h"
#include "ui/attention_view.h"
#include "ui/heatmap.h"
#include "ui/output_view.h"
#include "ui/session.h"

namespace {

using tscope::ui::AttentionView;
using tscope::ui::OutputView;
using tscope::ui::Session;

QApplication& application() {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "tscope-bench";
    static char* argv[] = {name, nullptr};
    static QApplication app(argc, argv);
    return app;
}

// Normal-ish values from a fixed LCG (sum of four uniforms), so every run sees the same model.
std::vector<float> randomValues(size_t n, float scale, uint64_t seed) {
    std::vector<float> values(n);
    uint64_t state = seed;
    auto uniform = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return float(state >> 40) / float(1 << 24) - 0.5f;
    };
    for (float& v : values) v = scale * (uniform() + uniform() + uniform() + uniform());
    return values;
}

// A GPT-2-shaped model directory in the system temp dir, removed at exit.
class RandomModel {
  public:
    static constexpr int kLayers = 2, kEmbd = 768, kHeads = 12, kPositions = 1024, kVocab = 50257;

    RandomModel() {
        dir_ = std::filesystem::temp_directory_path() /
               ("tscope-ui-bench-" + std::to_string(QCoreApplication::applicationPid()));
        std::filesystem::create_directories(dir_);
        const int64_t C = kEmbd, F = 4 * kEmbd;
        std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>> tensors;
        uint64_t seed = 1;
        auto add = [&](const std::string& name, std::vector<int64_t> shape, float scale,
                       float offset = 0) {
            size_t n = 1;
            for (int64_t d : shape) n *= size_t(d);
            std::vector<float> values = randomValues(n, scale, seed++);
            for (float& v : values) v += offset;
            tensors[name] = {std::move(shape), std::move(values)};
        };
        add("wte.weight", {kVocab, C}, 0.1f);
        add("wpe.weight", {kPositions, C}, 0.05f);
        for (int l = 0; l < kLayers; ++l) {
            std::string p = "h." + std::to_string(l) + ".";
            add(p + "ln_1.weight", {C}, 0.05f, 1.0f);
            add(p + "ln_1.bias", {C}, 0.02f);
            add(p + "attn.c_attn.weight", {C, 3 * C}, 0.12f);  // large: non-uniform attention
            add(p + "attn.c_attn.bias", {3 * C}, 0.02f);
            add(p + "attn.c_proj.weight", {C, C}, 0.03f);
            add(p + "attn.c_proj.bias", {C}, 0.02f);
            add(p + "ln_2.weight", {C}, 0.05f, 1.0f);
            add(p + "ln_2.bias", {C}, 0.02f);
            add(p + "mlp.c_fc.weight", {C, F}, 0.03f);
            add(p + "mlp.c_fc.bias", {F}, 0.02f);
            add(p + "mlp.c_proj.weight", {F, C}, 0.03f);
            add(p + "mlp.c_proj.bias", {C}, 0.02f);
        }
        add("ln_f.weight", {C}, 0.05f, 1.0f);
        add("ln_f.bias", {C}, 0.02f);
        std::vector<tscope::TensorToWrite> list;
        for (const auto& [name, tensor] : tensors)
            list.push_back({name, tensor.first, tensor.second});
        tscope::writeSafetensors(dir_ / "model.safetensors", list, tscope::DType::F32);
        std::ofstream(dir_ / "config.json")
            << R"({"model_type": "gpt2", "activation_function": "gelu_new", "n_layer": )" << kLayers
            << R"(, "n_head": )" << kHeads << R"(, "n_embd": )" << kEmbd << R"(, "n_positions": )"
            << kPositions << R"(, "n_ctx": )" << kPositions << R"(, "vocab_size": )" << kVocab
            << R"(, "layer_norm_epsilon": 1e-05})";
    }
    ~RandomModel() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    const std::filesystem::path& dir() const { return dir_; }

  private:
    std::filesystem::path dir_;
};

RandomModel& randomModel() {
    static RandomModel model;
    return model;
}

// A session holding T tokens ("the the the ...": one token each with the GPT-2 tokenizer that
// the session attaches to 50257-token models) and an attention view on it.
struct ViewFixture {
    explicit ViewFixture(int T) {
        const RandomModel& model = randomModel();
        QString prompt = "the";
        for (int t = 1; t < T; ++t) prompt += " the";
        session.setPrompt(prompt);
        session.openModel(QString::fromStdString(model.dir().string()));
        ok = session.waitUntilIdle() && session.snapshot() && session.snapshot()->length() == T;
        view = std::make_unique<AttentionView>(&session);
        view->resize(1600, 1000);
        view->show();
        output = std::make_unique<OutputView>(&session);
        output->resize(1600, 1000);
        output->setBarCount(50);
        output->show();
        session.selectLayer(1);
        session.selectPosition(T - 1);
        QCoreApplication::processEvents();
    }
    Session session;
    std::unique_ptr<AttentionView> view;
    std::unique_ptr<OutputView> output;
    bool ok = false;
};

ViewFixture& fixture(int T) {
    static std::map<int, std::unique_ptr<ViewFixture>> fixtures;
    auto& slot = fixtures[T];
    if (!slot) slot = std::make_unique<ViewFixture>(T);
    return *slot;
}

void BM_AttentionHeadSwitch(benchmark::State& state) {
    application();
    const int T = int(state.range(0));
    ViewFixture& f = fixture(T);
    if (!f.ok) {
        state.SkipWithError(
            ("could not run the random model: " + f.session.lastError().toStdString()).c_str());
        return;
    }
    int head = 0;
    for (auto _ : state) {
        head = (head + 1) % RandomModel::kHeads;
        f.session.selectHead(head);
        QCoreApplication::processEvents();  // the queued replots and the repaint, as in the app
    }
    state.counters["T"] = T;
}
BENCHMARK(BM_AttentionHeadSwitch)
    ->Arg(256)
    ->Arg(1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

void BM_TemperatureRedraw(benchmark::State& state) {
    application();
    ViewFixture& f = fixture(256);
    if (!f.ok) {
        state.SkipWithError(
            ("could not run the random model: " + f.session.lastError().toStdString()).c_str());
        return;
    }
    int hundredths = 100;
    for (auto _ : state) {
        hundredths = hundredths >= 150 ? 50 : hundredths + 5;  // sweeps 0.5 … 1.5
        f.output->temperatureSlider()->setValue(hundredths);
        QCoreApplication::processEvents();  // the queued replot and the repaint
    }
    if (f.output->bars()->data()->size() != 50) state.SkipWithError("expected 50 bars");
    state.counters["bars"] = double(f.output->bars()->data()->size());
}
BENCHMARK(BM_TemperatureRedraw)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

#endif  // TSCOPE_HAVE_UI
