// The Capture view: stored rows straight from the activation store, everything else recomputed
// from them with the model's weights and the forward pass's own kernels. Named tensors are built
// from the level and the kept layers, in the order of the legend in capture.h.
#include "core/capture.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "core/error.h"
#include "core/ops.h"

namespace tscope {

namespace {

using Eigen::Index;

NamedTensor dense(const std::string& name, const Eigen::Ref<const RowMatrix>& m) {
    NamedTensor t{name, {m.rows(), m.cols()}, std::vector<float>(size_t(m.size()))};
    Eigen::Map<RowMatrix>(t.values.data(), m.rows(), m.cols()) = m;
    return t;
}

// [T, H·D] heads side by side → [H, T, D]
NamedTensor perHead(const std::string& name, const Eigen::Ref<const RowMatrix>& m, Index heads) {
    const Index T = m.rows(), D = heads ? m.cols() / heads : 0;
    NamedTensor t{name, {heads, T, D}, std::vector<float>(size_t(heads * T * D))};
    for (Index h = 0; h < heads; ++h)
        Eigen::Map<RowMatrix>(t.values.data() + h * T * D, T, D) = m.middleCols(h * D, D);
    return t;
}

NamedTensor flat(const std::string& name, const float* data, size_t size) {
    return {name, {int64_t(size)}, std::vector<float>(data, data + size)};
}

// H patterns of one layer → [H, T, T]
NamedTensor perHeadSquare(const std::string& name, const Capture& c, int layer,
                          RowMatrix AttentionPattern::*field) {
    const Index H = c.heads(), T = c.T;
    NamedTensor t{name, {H, T, T}, std::vector<float>(size_t(H * T * T))};
    for (int h = 0; h < H; ++h)
        Eigen::Map<RowMatrix>(t.values.data() + h * T * T, T, T) =
            c.computePattern(layer, h).*field;
    return t;
}

struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    std::function<NamedTensor()> dense;
};

std::vector<Entry> entries(const Capture& c) {
    std::vector<Entry> out;
    auto add = [&](const std::string& name, std::vector<int64_t> shape,
                   std::function<NamedTensor(const std::string&)> make) {
        out.push_back({name, std::move(shape), [name, make] { return make(name); }});
    };
    const int64_t T = c.T, H = c.heads();
    const int64_t C = c.T >= 0 && c.layers() > 0 ? c.model().config.n_embd : 0;
    const int64_t D = H ? C / H : 0;
    const int64_t F = C ? c.model().config.n_inner : 0, V = C ? c.model().config.vocab_size : 0;
    const int n = c.T;
    const bool residual = c.options().level != CaptureLevel::None;
    if (residual) {
        add("embed.tok", {T, C}, [&c, n](auto& name) { return dense(name, c.embedTok(0, n)); });
        add("embed.pos", {T, C}, [&c, n](auto& name) { return dense(name, c.embedPos(0, n)); });
        add("embed.sum", {T, C}, [&c, n](auto& name) { return dense(name, c.residIn(0, 0, n)); });
    }
    for (int l = 0; l < c.layers(); ++l) {
        if (!c.keeps(l)) continue;
        const std::string p = "blk." + std::to_string(l) + ".";
        auto attn = [&c, l, n] { return c.attentionRows(l, 0, n); };
        auto mlp = [&c, l, n] { return c.mlpRows(l, 0, n); };
        add(p + "ln1", {T, C}, [attn](auto& name) { return dense(name, attn().ln1); });
        add(p + "attn.q", {H, T, D}, [&c, l, H](auto& name) { return perHead(name, c.q(l), H); });
        add(p + "attn.k", {H, T, D}, [&c, l, H](auto& name) { return perHead(name, c.k(l), H); });
        add(p + "attn.v", {H, T, D}, [&c, l, H](auto& name) { return perHead(name, c.v(l), H); });
        add(p + "attn.scores", {H, T, T},
            [&c, l](auto& name) { return perHeadSquare(name, c, l, &AttentionPattern::scores); });
        add(p + "attn.probs", {H, T, T},
            [&c, l](auto& name) { return perHeadSquare(name, c, l, &AttentionPattern::probs); });
        add(p + "attn.head_out", {H, T, D},
            [attn, H](auto& name) { return perHead(name, attn().headOut, H); });
        add(p + "attn.out", {T, C}, [attn](auto& name) { return dense(name, attn().out); });
        add(p + "resid_mid", {T, C}, [&c, l](auto& name) { return dense(name, c.residMid(l)); });
        add(p + "ln2", {T, C}, [mlp](auto& name) { return dense(name, mlp().ln2); });
        add(p + "mlp.pre", {T, F}, [mlp](auto& name) { return dense(name, mlp().pre); });
        add(p + "mlp.act", {T, F}, [mlp](auto& name) { return dense(name, mlp().act); });
        add(p + "mlp.out", {T, C}, [mlp](auto& name) { return dense(name, mlp().out); });
        add(p + "resid_post", {T, C}, [&c, l](auto& name) { return dense(name, c.residPost(l)); });
    }
    if (residual) {
        add("lnf", {T, C}, [&c, n](auto& name) { return dense(name, c.lnf(0, n)); });
        add("logits", {T, V}, [&c, n](auto& name) { return dense(name, c.logits(0, n)); });
    }
    add("logits_last", {int64_t(c.logitsLast().size())}, [&c](auto& name) {
        return flat(name, c.logitsLast().data(), size_t(c.logitsLast().size()));
    });
    add("logsumexp", {T}, [&c](auto& name) {
        const std::vector<float> lse = c.logsumexp();
        return flat(name, lse.data(), lse.size());
    });
    return out;
}

const Vector& emptyVector() {
    static const Vector empty;
    return empty;
}

}  // namespace

Capture::Capture(std::shared_ptr<const Model> model, std::shared_ptr<const ActivationStore> store,
                 std::vector<int> tokens, std::shared_ptr<const Vector> logitsLast)
    : T(int(tokens.size())),
      model_(std::move(model)),
      store_(std::move(store)),
      lease_(std::make_shared<const ViewLease>(store_, T)),
      tokens_(std::move(tokens)),
      logitsLast_(std::move(logitsLast)) {}

const CaptureOptions& Capture::options() const {
    static const CaptureOptions none{.level = CaptureLevel::None};
    return store_ ? store_->options : none;
}

int Capture::layers() const {
    return store_ ? int(store_->layers.size()) : 0;
}

int Capture::heads() const {
    return model_ ? model_->config.n_head : 0;
}

bool Capture::keeps(int layer) const {
    return layer >= 0 && layer < layers() && store_->layers[size_t(layer)].kept;
}

void Capture::requireLayer(int layer, bool needsKept) const {
    if (layer < 0 || layer >= layers())
        throw Error("capture: layer " + std::to_string(layer) + " does not exist (0 .. " +
                    std::to_string(layers() - 1) + ")");
    if (needsKept && !keeps(layer))
        throw Error("capture: layer " + std::to_string(layer) +
                    " was not kept (capture level None, or not among the selected layers)");
}

Eigen::Map<const RowMatrix> Capture::q(int layer) const {
    requireLayer(layer, true);
    return store_->layers[size_t(layer)].q.top(T);
}

Eigen::Map<const RowMatrix> Capture::k(int layer) const {
    requireLayer(layer, false);
    return store_->layers[size_t(layer)].k.top(T);
}

Eigen::Map<const RowMatrix> Capture::v(int layer) const {
    requireLayer(layer, false);
    return store_->layers[size_t(layer)].v.top(T);
}

Eigen::Map<const RowMatrix> Capture::residMid(int layer) const {
    requireLayer(layer, true);
    return store_->layers[size_t(layer)].residMid.top(T);
}

Eigen::Map<const RowMatrix> Capture::residPost(int layer) const {
    requireLayer(layer, layer != layers() - 1);
    return store_->layers[size_t(layer)].residPost.top(T);
}

const Vector& Capture::logitsLast() const {
    return logitsLast_ ? *logitsLast_ : emptyVector();
}

std::vector<float> Capture::logsumexp() const {
    if (T == 0) return {};
    if (!store_->logsumexp.empty()) {
        const auto lse = store_->logsumexp.top(T);  // [T,1]
        return std::vector<float>(lse.data(), lse.data() + T);
    }
    std::vector<float> out(static_cast<size_t>(T));
    const RowMatrix all = logits(0, T);  // [T,V]
    ops::logsumexpRows(out.data(), all);
    return out;
}

std::shared_ptr<const AttentionPattern> Capture::pattern(int layer, int head) const {
    if (auto cached = store_ ? store_->cachedPattern(layer, head, T) : nullptr) return cached;
    auto computed = std::make_shared<const AttentionPattern>(computePattern(layer, head));
    store_->cachePattern(layer, head, T, computed);
    return computed;
}

AttentionPattern Capture::computePattern(int layer, int head) const {
    requireLayer(layer, true);
    if (head < 0 || head >= heads())
        throw Error("capture: head " + std::to_string(head) + " does not exist (0 .. " +
                    std::to_string(heads() - 1) + ")");
    const Index D = model_->config.headDim(), c0 = head * D;
    AttentionPattern p;
    p.scores.resize(T, T);
    p.probs.resize(T, T);
    p.headOut.resize(T, D);
    // the forward pass's own kernel, over every query at once
    ops::ComputeScope compute;  // as in the forward pass: tiny weights flush to zero
    ops::attentionHead(p.headOut, p.scores, p.probs, q(layer).middleCols(c0, D),
                       k(layer).middleCols(c0, D), v(layer).middleCols(c0, D));
    return p;
}

AttentionQueryRow Capture::attentionRow(int layer, int head, int query) const {
    requireLayer(layer, true);
    if (head < 0 || head >= heads() || query < 0 || query >= T)
        throw Error("capture: no head " + std::to_string(head) + " / query " +
                    std::to_string(query) + " here");
    const Index D = model_->config.headDim(), c0 = head * D, keys = query + 1;
    RowMatrix scores(1, keys), probs(1, keys), out(1, D);
    ops::ComputeScope compute;
    ops::attentionHead(out, scores, probs, q(layer).row(query).segment(c0, D),
                       k(layer).topRows(keys).middleCols(c0, D),
                       v(layer).topRows(keys).middleCols(c0, D));
    return {scores.row(0), probs.row(0), out.row(0)};
}

RowMatrix Capture::embedTok(int t0, int n) const {
    const PanelsRef& wteT = model_->weights.wteT;  // [C,V]
    RowMatrix out(n, wteT.rows);
    for (int i = 0; i < n; ++i) out.row(i) = wteT.col(tokens_[size_t(t0 + i)]).transpose();
    return out;
}

RowMatrix Capture::embedPos(int t0, int n) const {
    return model_->weights.wpe.map().middleRows(t0, n);  // [n,C]
}

RowMatrix Capture::residIn(int layer, int t0, int n) const {
    if (layer == 0) return embedTok(t0, n) + embedPos(t0, n);
    return residPost(layer - 1).middleRows(t0, n);
}

AttentionRows Capture::attentionRows(int layer, int t0, int n) const {
    requireLayer(layer, true);
    const LayerWeights& lw = model_->weights.layers[size_t(layer)];
    const Index C = model_->config.n_embd, D = model_->config.headDim();
    AttentionRows rows;
    rows.ln1.resize(n, C);
    ops::layernorm(rows.ln1, residIn(layer, t0, n), lw.ln1_w.map(), lw.ln1_b.map(),
                   model_->config.layer_norm_epsilon);
    // each head's output for queries t0 .. t0+n−1 over keys 0 .. t0+n−1
    rows.headOut.resize(n, C);
    RowMatrix probs(n, t0 + n);
    ops::ComputeScope compute;
    for (int h = 0; h < heads(); ++h) {
        const Index c0 = h * D;
        ops::attentionHead(rows.headOut.middleCols(c0, D), probs, probs,
                           q(layer).middleRows(t0, n).middleCols(c0, D),
                           k(layer).topRows(t0 + n).middleCols(c0, D),
                           v(layer).topRows(t0 + n).middleCols(c0, D));
    }
    rows.out.resize(n, C);
    ops::linear(rows.out, rows.headOut, lw.attn_proj_w, lw.attn_proj_b.map());
    return rows;
}

MlpRows Capture::mlpRows(int layer, int t0, int n) const {
    requireLayer(layer, true);
    const LayerWeights& lw = model_->weights.layers[size_t(layer)];
    const Index C = model_->config.n_embd, F = model_->config.n_inner;
    MlpRows rows;
    rows.ln2.resize(n, C);
    ops::layernorm(rows.ln2, residMid(layer).middleRows(t0, n), lw.ln2_w.map(), lw.ln2_b.map(),
                   model_->config.layer_norm_epsilon);
    rows.pre.resize(n, F);
    ops::linear(rows.pre, rows.ln2, lw.fc_w, lw.fc_b.map());
    rows.act.resize(n, F);
    ops::geluNew(rows.act, rows.pre);
    rows.out.resize(n, C);
    ops::linear(rows.out, rows.act, lw.mlp_proj_w, lw.mlp_proj_b.map());
    return rows;
}

RowMatrix Capture::lnf(int t0, int n) const {
    const ModelWeights& w = model_->weights;
    RowMatrix h(n, model_->config.n_embd);
    ops::layernorm(h, residPost(layers() - 1).middleRows(t0, n), w.lnf_w.map(), w.lnf_b.map(),
                   model_->config.layer_norm_epsilon);
    return h;
}

RowMatrix Capture::logits(int t0, int n) const {
    RowMatrix out(n, model_->config.vocab_size);
    ops::linear(out, lnf(t0, n), model_->weights.lm_head);  // [n,V] = [n,C] · lm_headᵀ
    return out;
}

Vector Capture::logitsAt(int position) const {
    if (position < 0 || position >= T)
        throw Error("capture: position " + std::to_string(position) + " is outside 0 .. " +
                    std::to_string(T - 1));
    if (position == T - 1) return logitsLast();
    return logits(position, 1).row(0).transpose();
}

std::vector<std::string> Capture::tensorNames() const {
    std::vector<std::string> names;
    for (const Entry& e : entries(*this)) names.push_back(e.name);
    return names;
}

std::optional<std::vector<int64_t>> Capture::tensorShape(const std::string& name) const {
    for (const Entry& e : entries(*this))
        if (e.name == name) return e.shape;
    return std::nullopt;
}

std::optional<NamedTensor> Capture::tensor(const std::string& name) const {
    for (const Entry& e : entries(*this))
        if (e.name == name) return e.dense();
    return std::nullopt;
}

size_t Capture::bytesReserved() const {
    return (store_ ? store_->bytesTouched() : 0) + size_t(logitsLast().size()) * sizeof(float);
}

}  // namespace tscope
