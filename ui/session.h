// The one object that owns the model, the token history and the current capture, and announces
// changes. Views never run the model: they read immutable Snapshots and call Session's slots.
// All model work (loading, prefill, steps) runs on a worker thread; results arrive as a new
// Snapshot through snapshotChanged(), so the GUI never blocks and never reads half-written data.
#pragma once

#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <memory>
#include <vector>

#include "core/ablation.h"
#include "core/capture.h"
#include "core/model.h"
#include "core/sampling.h"

namespace tscope::ui {

struct TokenInfo {
    int id = 0;
    bool generated = false;  // appended by a step rather than typed in the prompt
    size_t byteBegin = 0;    // span in Snapshot::text (prompt tokens and generated tokens alike)
    size_t byteEnd = 0;
    float prob = 0;       // probability it had when sampled (generated tokens only)
    bool forced = false;  // chosen by clicking a bar (what-if) rather than sampled
    bool greedy = false;  // the argmax step: drew nothing from the random generator
};

// A saved sequence to reproduce exactly (a .tscope session): the prompt, the generator and
// settings it started from, and every token appended after the prompt with how it was chosen.
struct Replay {
    QString modelDirectory;  // load this model first; empty = keep the loaded one
    QString prompt;
    quint64 seed = 42;
    SamplingSettings sampling;
    std::vector<TokenInfo> generated;  // id, forced/greedy and prob are used
};

// Everything a view needs to draw one state of the sequence. Immutable once published.
struct Snapshot {
    std::shared_ptr<const Model> model;
    std::string text;               // prompt + generated text, UTF-8 bytes
    std::vector<TokenInfo> tokens;  // [T]
    int promptTokens = 0;
    Capture capture;                // view of the engine's activations for these tokens (no copy)
    std::vector<TokenInfo> future;  // tokens undone by back(), redone by goToLength() (history)
    bool bundledTokenizer = false;  // model->tokenizer is the bundled GPT-2 one (dir had none)
    int length() const { return int(tokens.size()); }
    std::vector<int> ids() const;
};

class Session : public QObject {
    Q_OBJECT
  public:
    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    std::shared_ptr<const Model> model() const { return model_; }
    std::shared_ptr<const Snapshot> snapshot() const { return snapshot_; }
    QString prompt() const { return prompt_; }
    bool busy() const { return busy_; }
    QString lastError() const { return lastError_; }

    // Next-token distribution of the current snapshot under the sampling settings.
    SamplingSettings sampling() const { return sampling_; }
    std::vector<float> distribution() const;
    // The same for the token after `position` (its logits are computed on demand).
    std::vector<float> distributionAt(int position) const;
    quint64 seed() const { return seed_; }

    // Shared selection, so every view follows the same token / layer / head.
    int selectedPosition() const { return selectedPosition_; }
    int selectedLayer() const { return selectedLayer_; }
    int selectedHead() const { return selectedHead_; }

    // The heads the research views ablate (toggled in the atlas and the all-heads grid, marked
    // wherever heads are drawn). The snapshot itself always shows the unablated model.
    const std::vector<HeadRef>& ablatedHeads() const { return ablatedHeads_; }
    bool isAblated(int layer, int head) const;
    AblationMode ablationMode() const { return ablationMode_; }

    // Blocks the calling (GUI) thread's event loop until no job is queued or running; for tests
    // and --screenshot only. Returns false if the last job failed.
    bool waitUntilIdle();

  public slots:
    void openModel(const QString& directory);  // async; keeps the prompt and re-runs it
    void setPrompt(const QString& text);       // async tokenize + prefill (replaces generation)
    void step();                               // sample one token with the settings, append it
    void greedyStep();                         // argmax token
    void generate(int steps);                  // N steps, cancellable, a snapshot after each
    void forceToken(int id);                   // append this token instead (what-if)
    // Reproduces a saved sequence: runs the prompt, then appends the stored tokens as they are
    // (never re-drawn), each keeping its sampled/forced/greedy mark and stored probability;
    // the generator draws once for every sampled token, as it did then, so the next step
    // continues exactly as the original would have. Token ids and the length are checked
    // against the model before anything changes: on failure the session stays as it was. On
    // success the prompt, seed and sampling settings become the replay's.
    void replay(const Replay& replay);
    void back();                  // undo the last appended token
    void goToLength(int length);  // back to any earlier step (>= prompt length)
    void cancel();
    void setTemperature(double t);
    void setTopK(int k);
    void setTopP(double p);
    void setSeed(quint64 seed);  // also restarts the generator
    void selectPosition(int t);
    void selectLayer(int layer);
    void selectHead(int head);
    void toggleAblation(int layer, int head);
    void setAblatedHeads(const std::vector<HeadRef>& heads);  // out-of-range heads are dropped
    void setAblationMode(AblationMode mode);

  signals:
    void modelChanged();      // a new model is loaded (snapshot follows)
    void snapshotChanged();   // tokens / capture changed
    void samplingChanged();   // temperature, top-k, top-p or seed changed: redraw distribution
    void selectionChanged();  // position, layer or head changed
    void ablationChanged();   // the ablated heads or the mode changed
    void busyChanged(bool busy);
    void progress(int done, int total, const QString& what);
    void errorOccurred(const QString& message);

  private:
    // implementation detail owned by session.cpp (worker thread, engine, RNG)
    struct Worker;
    struct Job;
    void submit(Job job);
    void finish(const QString& error, bool cancelled);
    void publish(std::shared_ptr<const Snapshot> snapshot, bool newModel);
    void clampSelection();
    void adoptReplaySettings(const Replay& replay);

    std::unique_ptr<Worker> worker_;
    int pending_ = 0;  // jobs queued or running (GUI thread only)
    bool lastFailed_ = false;
    std::shared_ptr<const Model> model_;
    std::shared_ptr<const Snapshot> snapshot_;
    QString prompt_;
    SamplingSettings sampling_;
    quint64 seed_ = 42;
    bool busy_ = false;
    QString lastError_;
    int selectedPosition_ = 0, selectedLayer_ = 0, selectedHead_ = 0;
    std::vector<HeadRef> ablatedHeads_;
    AblationMode ablationMode_ = AblationMode::Zero;
};

}  // namespace tscope::ui
