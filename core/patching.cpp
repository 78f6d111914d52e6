#include "core/patching.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace tscope {

using Index = Eigen::Index;

struct ActivationPatcher::Active {
    bool on = false;
    PatchTarget what = PatchTarget::Residual;
    int layer = 0, index = 0;
};

namespace {

int sharedPrefixLength(std::span<const int> a, std::span<const int> b) {
    int d = 0;
    while (d < int(a.size()) && a[size_t(d)] == b[size_t(d)]) ++d;
    return d;
}

void checkAnswer(const ModelConfig& config, int id, const char* which) {
    if (id < 0 || id >= config.vocab_size)
        throw Error(std::string(which) + " token id " + std::to_string(id) +
                    " is outside the vocabulary (0.." + std::to_string(config.vocab_size - 1) +
                    ")");
}

}  // namespace

ActivationPatcher::ActivationPatcher(std::shared_ptr<const Model> model, std::span<const int> clean,
                                     std::span<const int> corrupt)
    : model_(std::move(model)), corrupt_(corrupt.begin(), corrupt.end()) {
    if (clean.empty() || corrupt.empty()) throw Error("patching: both prompts need tokens");
    if (clean.size() != corrupt.size())
        throw Error("patching: the clean prompt has " + std::to_string(clean.size()) +
                    " tokens and the corrupted one " + std::to_string(corrupt.size()) +
                    "; they must have the same token length");
    T_ = int(clean.size());
    d_ = sharedPrefixLength(clean, corrupt);
    dirtyFrom_ = T_;
    active_ = std::make_shared<Active>();

    ForwardOptions options;
    auto active = active_;
    options.hooks.residualIn = [this, active](int l, ops::MatRef x, Index t0) {  // x [n,C]
        if (!active->on || active->what != PatchTarget::Residual || l != active->layer) return;
        const Index p = active->index;
        if (p >= t0 && p < t0 + x.rows()) x.row(p - t0) = cleanResidIn_[size_t(l)].row(p);
    };
    options.hooks.headOutputs = [this, active](int l, ops::MatRef y, Index t0) {  // y [n,C]
        if (!active->on || active->what != PatchTarget::Heads || l != active->layer) return;
        const Index D = model_->config.headDim(), c0 = active->index * D;
        y.middleCols(c0, D) = cleanHeadOut_[size_t(l)].block(t0, c0, y.rows(), D);
    };
    forward_ = std::make_unique<Forward>(model_, options);

    // the shared prefix once, then each prompt's own rest
    const int L = model_->config.n_layer;
    forward_->append(clean.first(size_t(d_)));
    forward_->append(clean.subspan(size_t(d_)));
    {
        const Capture c = forward_->capture();
        for (int l = 0; l < L; ++l) {
            cleanResidIn_.push_back(c.residIn(l, 0, T_));
            cleanHeadOut_.push_back(c.attentionRows(l, 0, T_).headOut);
        }
        cleanLogits_ = c.logitsLast();
    }
    forward_->truncate(d_);
    forward_->append(corrupt.subspan(size_t(d_)));
    const Capture c = forward_->capture();
    for (int l = 0; l < L; ++l) corruptResidIn_.push_back(c.residIn(l, 0, T_));
    corruptLogits_ = c.logitsLast();
}

ActivationPatcher::~ActivationPatcher() = default;

Vector ActivationPatcher::patchedLogits(PatchTarget what, int layer, int index) {
    const ModelConfig& cfg = model_->config;
    const int count = what == PatchTarget::Residual ? T_ : cfg.n_head;
    if (layer < 0 || layer >= cfg.n_layer || index < 0 || index >= count)
        throw Error("patching: cell " + std::to_string(layer) + "." + std::to_string(index) +
                    " is outside the grid");
    // nothing to patch where the clean activation equals the corrupted one (the shared prefix)
    if (what == PatchTarget::Residual &&
        cleanResidIn_[size_t(layer)].row(index) == corruptResidIn_[size_t(layer)].row(index))
        return corruptLogits_;
    if (what == PatchTarget::Heads && d_ == T_) return corruptLogits_;

    // rows before `from` are the corrupted run's and unaffected by this patch
    const int patchFrom = what == PatchTarget::Residual ? index : d_;
    const int from = std::min(patchFrom, dirtyFrom_);
    forward_->truncate(from);
    *active_ = {true, what, layer, index};
    try {
        forward_->append(std::span<const int>(corrupt_).subspan(size_t(from)));
    } catch (...) {
        active_->on = false;
        throw;
    }
    active_->on = false;
    dirtyFrom_ = patchFrom;
    return forward_->logitsLast();
}

PatchGrid ActivationPatcher::grid(PatchTarget what, int right, int wrong,
                                  const PatchProgressFn& progress) {
    checkAnswer(model_->config, right, "right");
    checkAnswer(model_->config, wrong, "wrong");
    auto ld = [&](const Vector& logits) { return double(logits[right]) - double(logits[wrong]); };
    PatchGrid g;
    g.what = what;
    g.ldClean = ld(cleanLogits_);
    g.ldCorrupt = ld(corruptLogits_);
    const double span = g.ldClean - g.ldCorrupt;
    const int L = model_->config.n_layer;
    const int count = what == PatchTarget::Residual ? T_ : model_->config.n_head;
    g.ld.assign(size_t(L), std::vector<double>(size_t(count)));
    g.recovery = g.ld;
    int done = 0;
    // positions from the last to the first, so each run recomputes only from its own position
    for (int i = count - 1; i >= 0; --i)
        for (int l = 0; l < L; ++l) {
            const double patched = ld(patchedLogits(what, l, i));
            g.ld[size_t(l)][size_t(i)] = patched;
            g.recovery[size_t(l)][size_t(i)] = span != 0 ? (patched - g.ldCorrupt) / span
                                                         : std::numeric_limits<double>::quiet_NaN();
            if (progress && !progress(++done, L * count)) throw Cancelled();
        }
    return g;
}

}  // namespace tscope
