// Where the presenter is in the walk (stage, beat) and where the clicker keys take it. Plain
// logic, no widgets: the presenter view performs the returned action (sample a token, undo it)
// and repaints. A stage shows its text first; a stage with an action beat performs it when the
// walk enters that beat ("text first, then the action") and undoes it when the walk backs out.
#pragma once

#include <cstddef>
#include <vector>

namespace tscope::ui {

struct StageSpec {
    int beats = 1;
    int actionBeat = -1;  // entering this beat samples a token; −1 = none
};

struct StagePosition {
    int stage = 0;  // 0-based
    int beat = 0;
    bool operator==(const StagePosition&) const = default;
};

enum class StageAction { None, Sample, Undo };

class StageNavigation {
  public:
    explicit StageNavigation(std::vector<StageSpec> stages);

    StagePosition position() const { return position_; }
    int stageCount() const { return int(stages_.size()); }
    int beatsOf(int stage) const { return stages_[size_t(stage)].beats; }

    // Where the walk goes after the last stage: back to the tokens (full loop) or straight to
    // the softmax (quick steps). Both are 0-based stage indices.
    void setLoopTargets(int fullLoop, int quickLoop);
    void setQuickLoop(bool quick) { quick_ = quick; }
    bool quickLoop() const { return quick_; }

    // Next beat; after the last beat of the last stage the walk loops back if `roomForMore`
    // (the context cap is not reached), else it stays.
    StageAction next(bool roomForMore = true);
    StageAction previous();
    void home() { position_ = {0, 0}; }
    void end();
    bool jump(int stage);  // 0-based; false when out of range
    void setPosition(StagePosition position);
    // The beat after the current one, for the presenter's "next" line (no action, no loop).
    StagePosition peekNext(bool roomForMore = true) const;

  private:
    std::vector<StageSpec> stages_;
    StagePosition position_;
    int fullLoop_ = 0, quickLoop_ = 0;
    bool quick_ = false;
};

}  // namespace tscope::ui
