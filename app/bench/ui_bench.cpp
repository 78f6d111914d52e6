// Two interactions a presenter makes live, with their targets (median):
// - Output view: a temperature change → the distribution recomputed from the stored logits and
//   50 bars redrawn (< 16 ms, one frame). One iteration = a slider step + the events that follow.
// - Attention view: switching the shown head at T = 256 and T = 1024 (< 50 ms).
// - A Step at T = 1000 on the GPT-2-small shape, views redrawn (≤ 120 ms), and the memory of
//   the app with a 1024-token prompt, after 20 Steps and after Back × 20.
// One iteration = Session::selectHead + everything the view does for it (refill the T×T colour
// map, the math pane's T-row table, the outline in the small multiples) + processing the events
// that follow (the queued replots and the repaint of the offscreen window), as in the app. The
// model is random but GPT-2-shaped (C = 768, 12 heads, 1024 positions, 50257 tokens); two layers
// suffice, since a head switch costs the same in any layer. Built only with the GUI
// (TSCOPE_HAVE_UI); runs offscreen.
#ifdef TSCOPE_HAVE_UI

#include <benchmark/benchmark.h>
#include <qcustomplot.h>

#include <unistd.h>

#include <QApplication>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/bench/random_model.h"
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
    // Never destroyed, nor the views below: at exit Qt's own globals go first, and destroying
    // the application then crashed in QInputDevice's destructor.
    static QApplication* app = new QApplication(argc, argv);
    return *app;
}

// Two layers suffice for the view interactions: a head switch costs the same in any layer. The
// larger weights (std 0.07) make attention non-uniform, as in a trained model.
constexpr int kHeads = 12;
const tscope::bench::RandomModelDir& randomModel() {
    static const tscope::bench::RandomModelDir model(
        {.name = "ui", .layers = 2, .heads = kHeads, .width = 768, .std = 0.07f});
    return model;
}

// The whole GPT-2-small shape, for a Step and for the app's memory.
const tscope::bench::RandomModelDir& gpt2Model() {
    static const tscope::bench::RandomModelDir model(tscope::bench::gpt2Shape("gpt2"));
    return model;
}

QString repeatedPrompt(int T) {  // "the the the ...": one token each with GPT-2's tokenizer
    QString prompt = "the";
    for (int t = 1; t < T; ++t) prompt += " the";
    return prompt;
}

// A session holding T tokens ("the the the ...": one token each with the GPT-2 tokenizer that
// the session attaches to 50257-token models) and an attention view on it.
struct ViewFixture {
    explicit ViewFixture(int T, const tscope::bench::RandomModelDir& model = randomModel()) {
        session.setPrompt(repeatedPrompt(T));
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
    static auto& fixtures = *new std::map<int, std::unique_ptr<ViewFixture>>;  // see application()
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
        head = (head + 1) % kHeads;
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

// Resident memory of this process now, in MB (/proc/self/statm: pages).
double residentMB() {
    std::ifstream statm("/proc/self/statm");
    double pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * double(sysconf(_SC_PAGESIZE)) / 1e6;
}

// A Step at T = 1000 on the GPT-2-small shape: the decode on the worker thread, the snapshot
// published, and the attention and output views redrawn (the heaviest tab and the
// distribution). Each iteration steps and, untimed, goes back.
void BM_StepAt1000(benchmark::State& state) {
    application();
    if (!gpt2Model().ok()) {
        state.SkipWithError("could not write the random GPT-2-small model");
        return;
    }
    static ViewFixture& f = *new ViewFixture(1000, gpt2Model());  // see application()
    if (!f.ok) {
        state.SkipWithError(f.session.lastError().toStdString().c_str());
        return;
    }
    for (auto _ : state) {
        f.session.greedyStep();
        f.session.waitUntilIdle();
        QCoreApplication::processEvents();  // the views' queued replots and repaint
        state.PauseTiming();
        f.session.back();
        f.session.waitUntilIdle();
        QCoreApplication::processEvents();
        state.ResumeTiming();
    }
    state.counters["T"] = f.session.snapshot()->length() + 1;
}
BENCHMARK(BM_StepAt1000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20);

// The app's memory with a 1024-token prompt on the GPT-2-small shape: after the prefill, after 20
// Steps (every snapshot kept by the history), after Back × 20.
void BM_AppMemory(benchmark::State& state) {
    application();
    if (!gpt2Model().ok()) {
        state.SkipWithError("could not write the random GPT-2-small model");
        return;
    }
    for (auto _ : state) {
        const double before = residentMB();
        ViewFixture f(1004, gpt2Model());
        const double prefill = residentMB();
        for (int i = 0; i < 20; ++i) {
            f.session.greedyStep();
            f.session.waitUntilIdle();
            QCoreApplication::processEvents();
        }
        const double steps = residentMB();
        for (int i = 0; i < 20; ++i) {
            f.session.back();
            f.session.waitUntilIdle();
            QCoreApplication::processEvents();
        }
        const double backs = residentMB();
        state.counters["rss_before_MB"] = before;
        state.counters["rss_prefill_MB"] = prefill;
        state.counters["steps20_added_MB"] = steps - prefill;
        state.counters["back20_added_MB"] = backs - steps;
        state.counters["T"] = f.session.snapshot()->length();
    }
}
BENCHMARK(BM_AppMemory)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

#endif  // TSCOPE_HAVE_UI
