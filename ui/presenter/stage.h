// One screen of the presenter's walk: a title, one sentence that says what happens, and the real
// numbers of that step for the current snapshot, painted big enough for the back of a room.
// Stages paint with a StagePainter onto any device (the presenter view, a PNG, a PDF page), so
// the screen, --screenshot and the handout export are the same picture.
#pragma once

#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

#include "core/sampling.h"
#include "ui/presenter/stage_navigation.h"

namespace tscope::ui {

struct Snapshot;
class StagePainter;

// Everything a stage may draw from; filled by the presenter from the Session.
struct StageContext {
    std::shared_ptr<const Snapshot> snapshot;  // may be null (no model yet)
    SamplingSettings sampling;
    unsigned long long seed = 42;
    int layer = 0, head = 0;                  // the selected layer and head
    int position = 0;                         // the selected position
    std::vector<float> distribution;          // [V] next token after the last position
    std::vector<float> previousDistribution;  // [V] the one the last token was drawn from
    int contextCap = 0;      // stop feeding back at this many tokens; 0 = the model's context
    bool fixedAxis = true;   // softmax bars on a 0–100 % axis instead of rescaling
    bool quickLoop = false;  // after feed-back, go straight to the softmax
    bool busy = false;       // the model is working (a step is on its way)
    bool ready() const;      // a model and at least one token
    int capLength() const;   // the effective cap (contextCap or the model's context)
};

class Stage {
  public:
    virtual ~Stage() = default;
    virtual QString title() const = 0;
    // The one sentence under the title, for this state and beat.
    virtual QString sentence(const StageContext& context, int beat) const = 0;
    virtual StageSpec spec() const { return {}; }
    virtual QString notes() const { return {}; }  // default speaker notes
    virtual QString beatName(int beat) const;     // for the presenter's "next" line
    virtual void paintBody(StagePainter& painter, const StageContext& context, int beat) const = 0;
};

// Token pieces ("·power") and ids of the snapshot, for chips and labels.
QStringList tokenPieces(const Snapshot& snapshot, int from = 0);
std::vector<int> tokenIds(const Snapshot& snapshot);
QString pieceOf(const Snapshot& snapshot, int id);
QString percentText(double p);   // "12.3 %"
QString countText(long long n);  // "50 257"

// The walk in the order of the talk: model card, tokens, embedding, attention, layers,
// unembedding, softmax, sample, feed back.
std::vector<std::unique_ptr<Stage>> makeStages();
// 0-based indices the walk loops back to after feed-back: the tokens, or the softmax (quick).
constexpr int kTokensStage = 1;
constexpr int kSoftmaxStage = 6;
constexpr int kSampleStage = 7;

}  // namespace tscope::ui
