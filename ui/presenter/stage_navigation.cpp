#include "ui/presenter/stage_navigation.h"

#include <algorithm>

namespace tscope::ui {

StageNavigation::StageNavigation(std::vector<StageSpec> stages) : stages_(std::move(stages)) {
    if (stages_.empty()) stages_.push_back({});
    for (StageSpec& spec : stages_) spec.beats = std::max(spec.beats, 1);
}

void StageNavigation::setLoopTargets(int fullLoop, int quickLoop) {
    const int last = stageCount() - 1;
    fullLoop_ = std::clamp(fullLoop, 0, last);
    quickLoop_ = std::clamp(quickLoop, 0, last);
}

StagePosition StageNavigation::peekNext(bool roomForMore) const {
    const StagePosition p = position_;
    if (p.beat + 1 < beatsOf(p.stage)) return {p.stage, p.beat + 1};
    if (p.stage + 1 < stageCount()) return {p.stage + 1, 0};
    if (!roomForMore) return p;
    return {quick_ ? quickLoop_ : fullLoop_, 0};
}

StageAction StageNavigation::next(bool roomForMore) {
    const StagePosition target = peekNext(roomForMore);
    const bool sameStage = target.stage == position_.stage && target.beat == position_.beat + 1;
    position_ = target;
    if (sameStage && stages_[size_t(target.stage)].actionBeat == target.beat)
        return roomForMore ? StageAction::Sample : StageAction::None;
    return StageAction::None;
}

StageAction StageNavigation::previous() {
    StagePosition& p = position_;
    if (p.beat > 0) {
        const bool leavingAction = stages_[size_t(p.stage)].actionBeat == p.beat;
        --p.beat;
        return leavingAction ? StageAction::Undo : StageAction::None;
    }
    if (p.stage > 0) {
        --p.stage;
        p.beat = beatsOf(p.stage) - 1;  // entering from behind never re-does an action
    }
    return StageAction::None;
}

void StageNavigation::end() {
    const int last = stageCount() - 1;
    position_ = {last, beatsOf(last) - 1};
}

bool StageNavigation::jump(int stage) {
    if (stage < 0 || stage >= stageCount()) return false;
    position_ = {stage, 0};
    return true;
}

void StageNavigation::setPosition(StagePosition position) {
    if (position.stage < 0 || position.stage >= stageCount()) return;
    position.beat = std::clamp(position.beat, 0, beatsOf(position.stage) - 1);
    position_ = position;
}

}  // namespace tscope::ui
