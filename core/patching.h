// Activation patching: run the corrupted prompt, but with one activation taken from the clean
// run, and measure how much of the clean behaviour comes back.
//   ld       = logit[right] − logit[wrong] at the last position
//   recovery = (ld_patched − ld_corrupt) / (ld_clean − ld_corrupt)   (NaN when ld_clean =
//   ld_corrupt)
// Targets: the residual stream entering block l at position p (grid [L][T]); one head's output
// (its slice of the concatenated head outputs, before c_proj) at every position (grid [L][H]).
// The two prompts share the tokens before their first difference d: that prefix runs once, and
// each patched run only recomputes the positions it changes (the KV cache does the rest).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/forward.h"
#include "core/model.h"

namespace tscope {

enum class PatchTarget { Residual, Heads };

struct PatchGrid {
    PatchTarget what = PatchTarget::Residual;
    double ldClean = 0, ldCorrupt = 0;
    std::vector<std::vector<double>> ld;        // [L][T or H] the patched runs' ld
    std::vector<std::vector<double>> recovery;  // [L][T or H]
};

// Called after each patched cell: (done, total). Return false to cancel (throws Cancelled).
using PatchProgressFn = std::function<bool(int done, int total)>;

class ActivationPatcher {
  public:
    // Runs both prompts. Throws tscope::Error when they are empty or of different lengths.
    ActivationPatcher(std::shared_ptr<const Model> model, std::span<const int> clean,
                      std::span<const int> corrupt);
    ~ActivationPatcher();
    // the forward pass's hooks point at this object
    ActivationPatcher(const ActivationPatcher&) = delete;
    ActivationPatcher& operator=(const ActivationPatcher&) = delete;

    int length() const { return T_; }
    int firstDifference() const { return d_; }                      // T when the prompts are equal
    const Vector& cleanLogits() const { return cleanLogits_; }      // [V]
    const Vector& corruptLogits() const { return corruptLogits_; }  // [V]

    // The last position's logits [V] of the corrupted run with one activation patched: the
    // residual entering block `layer` at position `index`, or head `index` of `layer`.
    Vector patchedLogits(PatchTarget what, int layer, int index);

    // Every cell. Throws tscope::Error for answer ids outside the vocabulary.
    PatchGrid grid(PatchTarget what, int right, int wrong, const PatchProgressFn& progress = {});

  private:
    struct Active;  // the patch the hooks apply during one run
    std::shared_ptr<const Model> model_;
    std::vector<int> corrupt_;
    int T_ = 0, d_ = 0;
    int dirtyFrom_ = 0;                                     // rows from here on hold a patched run
    std::vector<RowMatrix> cleanResidIn_, corruptResidIn_;  // [L] of [T,C]
    std::vector<RowMatrix> cleanHeadOut_;                   // [L] of [T,C]
    Vector cleanLogits_, corruptLogits_;
    std::shared_ptr<Active> active_;
    std::unique_ptr<Forward> forward_;
};

}  // namespace tscope
