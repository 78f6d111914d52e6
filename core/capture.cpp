// Names and dense copies of what a Capture holds. The list of entries is built from the capture
// level and the captured layers, in the order of the legend in capture.h.
#include "core/capture.h"

#include <algorithm>
#include <functional>

namespace tscope {

namespace {

using Eigen::Index;

// [T, W] as it is.
NamedTensor rows(const std::string& name, const RowBuffer& b) {
    NamedTensor t{name, {b.rows(), b.cols()}, std::vector<float>(size_t(b.rows() * b.cols()))};
    Eigen::Map<RowMatrix>(t.values.data(), b.rows(), b.cols()) = b.view();
    return t;
}

// [T, H·D] heads side by side → [H, T, D]
NamedTensor perHead(const std::string& name, const RowBuffer& b, Index heads) {
    const Index T = b.rows(), D = heads ? b.cols() / heads : 0;
    NamedTensor t{name, {heads, T, D}, std::vector<float>(size_t(heads * T * D))};
    for (Index h = 0; h < heads; ++h)
        Eigen::Map<RowMatrix>(t.values.data() + h * T * D, T, D) = b.view().middleCols(h * D, D);
    return t;
}

// H × [T, T] → [H, T, T]
NamedTensor perHead(const std::string& name, const std::vector<SquareBuffer>& b) {
    const Index H = Index(b.size()), T = H ? b[0].size() : 0;
    NamedTensor t{name, {H, T, T}, std::vector<float>(size_t(H * T * T))};
    for (Index h = 0; h < H; ++h)
        Eigen::Map<RowMatrix>(t.values.data() + h * T * T, T, T) = b[size_t(h)].view();
    return t;
}

NamedTensor flat(const std::string& name, const float* data, size_t size) {
    return {name, {int64_t(size)}, std::vector<float>(data, data + size)};
}

struct Entry {
    std::string name;
    std::function<NamedTensor()> dense;
};

std::vector<Entry> entries(const Capture& c) {
    std::vector<Entry> out;
    auto add = [&](std::string name, std::function<NamedTensor(const std::string&)> make) {
        out.push_back({name, [name, make] { return make(name); }});
    };
    auto addRows = [&](std::string name, const RowBuffer& b) {
        add(std::move(name), [&b](const std::string& n) { return rows(n, b); });
    };
    const bool attention = c.options.level != CaptureLevel::None;
    const bool full = c.options.level == CaptureLevel::Full;

    if (attention) {
        addRows("embed.tok", c.tokEmbed);
        addRows("embed.pos", c.posEmbed);
        addRows("embed.sum", c.embedSum);
    }
    for (size_t l = 0; l < c.layers.size(); ++l) {
        const LayerCapture& L = c.layers[l];
        if (!attention || !L.captured) continue;
        const std::string p = "blk." + std::to_string(l) + ".";
        const Index H = Index(L.scores.size());
        auto addHeads = [&](std::string name, const RowBuffer& b) {
            add(std::move(name), [&b, H](const std::string& n) { return perHead(n, b, H); });
        };
        if (full) {
            addRows(p + "ln1", L.ln1);
            addHeads(p + "attn.q", L.q);
            addHeads(p + "attn.k", L.k);
            addHeads(p + "attn.v", L.v);
        }
        add(p + "attn.scores", [&L](const std::string& n) { return perHead(n, L.scores); });
        add(p + "attn.probs", [&L](const std::string& n) { return perHead(n, L.probs); });
        if (full) {
            addHeads(p + "attn.head_out", L.headOut);
            addRows(p + "attn.out", L.attnOut);
        }
        addRows(p + "resid_mid", L.residMid);
        if (full) {
            addRows(p + "ln2", L.ln2);
            addRows(p + "mlp.pre", L.mlpPre);
            addRows(p + "mlp.act", L.mlpAct);
            addRows(p + "mlp.out", L.mlpOut);
        }
        addRows(p + "resid_post", L.residPost);
    }
    if (attention) addRows("lnf", c.lnf);
    if (full) addRows("logits", c.logits);
    add("logits_last", [&c](const std::string& n) {
        return flat(n, c.logitsLast.data(), size_t(c.logitsLast.size()));
    });
    add("logsumexp",
        [&c](const std::string& n) { return flat(n, c.logsumexp.data(), c.logsumexp.size()); });
    return out;
}

}  // namespace

bool CaptureOptions::wants(int layer) const {
    if (level == CaptureLevel::None) return false;  // no per-layer tensors at all
    return layers.empty() || std::find(layers.begin(), layers.end(), layer) != layers.end();
}

std::vector<std::string> Capture::tensorNames() const {
    std::vector<std::string> names;
    for (const Entry& e : entries(*this)) names.push_back(e.name);
    return names;
}

std::optional<NamedTensor> Capture::tensor(const std::string& name) const {
    for (const Entry& e : entries(*this))
        if (e.name == name) return e.dense();
    return std::nullopt;
}

size_t Capture::bytesReserved() const {
    size_t bytes = 0;
    for (const RowBuffer* b : {&tokEmbed, &posEmbed, &embedSum, &lnf, &logits})
        bytes += b->bytesReserved();
    for (const LayerCapture& L : layers) {
        for (const RowBuffer* b : {&L.ln1, &L.q, &L.k, &L.v, &L.headOut, &L.attnOut, &L.residMid,
                                   &L.ln2, &L.mlpPre, &L.mlpAct, &L.mlpOut, &L.residPost})
            bytes += b->bytesReserved();
        for (const SquareBuffer& s : L.scores) bytes += s.bytesReserved();
        for (const SquareBuffer& s : L.probs) bytes += s.bytesReserved();
    }
    bytes += size_t(logitsLast.size()) * sizeof(float);
    bytes += logsumexp.capacity() * sizeof(float);
    return bytes;
}

}  // namespace tscope
