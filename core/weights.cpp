#include "core/weights.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "core/error.h"

namespace tscope {

namespace {

constexpr std::string_view kPrefix = "transformer.";

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// Trained GPT-2 parameters are finite and small. A NaN, an inf or a value above this bound means a
// corrupt file (one flipped exponent bit makes 0.02 into 5e36), which would otherwise show up
// only later, as NaN or inf all over the views.
constexpr float kMaxParameterMagnitude = 1e8f;

std::string shortNumber(float v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", double(v));
    return text;
}

// Index of the first value that is NaN, infinite or above kMaxParameterMagnitude, or n. A
// branch-free pass first (it vectorises), so a sound file costs one streaming read at load.
int64_t firstImplausible(const float* data, int64_t n) {
    const uint32_t limit = std::bit_cast<uint32_t>(kMaxParameterMagnitude);
    auto implausible = [limit](float v) {
        return (std::bit_cast<uint32_t>(v) & 0x7fffffffu) > limit;
    };
    uint32_t any = 0;  // NaN and inf compare above any finite bound bitwise too
    for (int64_t i = 0; i < n; ++i) any |= uint32_t(implausible(data[i]));
    return any ? std::find_if(data, data + n, implausible) - data : n;
}

// Looks tensors up by their name without the "transformer." prefix, binds each one at most once,
// and remembers which were used so that leftovers can be reported.
class Binder {
  public:
    Binder(const SafetensorsFile& file, ModelWeights& w) : file_(file), w_(w) {
        for (const auto& [name, info] : file.tensors()) {
            std::string bare = name.starts_with(kPrefix) ? name.substr(kPrefix.size()) : name;
            if (!byName_.emplace(bare, &info).second)
                fail("tensor '" + bare + "' is stored both with and without the '" +
                     std::string(kPrefix) + "' prefix");
        }
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw Error(file_.path().string() + ": " + what);
    }

    const TensorInfo* find(const std::string& name) const {
        auto it = byName_.find(name);
        return it == byName_.end() ? nullptr : it->second;
    }

    MatrixRef matrix(const std::string& name, int64_t rows, int64_t cols) {
        return {bind(name, {rows, cols}), rows, cols};
    }
    // A weight [rows, cols] copied into column panels, as it is (a linear layer's) or transposed
    // into [cols, rows] (an untied lm_head); the file's pages it was read from are let go, so the
    // model is resident once.
    PanelsRef panels(const std::string& name, int64_t rows, int64_t cols, bool transpose = false) {
        const TensorInfo& info = checked(name, {rows, cols});
        const float* data = file_.f32Data(info);
        std::vector<float> widened;
        if (!data) data = (widened = file_.toFloat(info)).data();
        rejectImplausible(info, data);
        const PanelMatrix& packed =
            w_.panels.emplace_back(transpose ? PanelMatrix::transposed(data, rows, cols, cols)
                                             : PanelMatrix(data, rows, cols, cols));
        file_.releasePages(info);
        return packed.ref();
    }
    VectorRef vector(const std::string& name, int64_t size) { return {bind(name, {size}), size}; }
    void markUsed(const std::string& name) { used_.insert(name); }

    // Every tensor must be a parameter we bound or an ignorable buffer.
    void rejectLeftovers(const std::set<std::string>& ignorable) const {
        for (const auto& [name, info] : byName_)
            if (!used_.count(name) && !ignorable.count(name))
                fail("unexpected tensor '" + info->name + "' with shape " +
                     shapeString(info->shape) + " (not part of a GPT-2 with this config)");
    }

    int64_t parameterCount() const { return count_; }

  private:
    // The tensor `name`, present with this shape; counted and marked used.
    const TensorInfo& checked(const std::string& name, const std::vector<int64_t>& shape) {
        const TensorInfo* info = find(name);
        if (!info)
            fail("missing tensor '" + name + "' (expected shape " + shapeString(shape) + ")");
        if (info->shape != shape)
            fail("tensor '" + info->name + "' has shape " + shapeString(info->shape) +
                 ", but the config implies " + shapeString(shape));
        markUsed(name);
        count_ += info->numel();
        return *info;
    }

    const float* bind(const std::string& name, const std::vector<int64_t>& shape) {
        const TensorInfo& info = checked(name, shape);
        const float* data = file_.f32Data(info);  // in place, no copy
        if (!data) data = w_.owned.emplace_back(file_.toFloat(info)).data();
        rejectImplausible(info, data);
        return data;
    }

    void rejectImplausible(const TensorInfo& info, const float* data) const {
        const int64_t n = info.numel(), bad = firstImplausible(data, n);
        if (bad < n)
            fail("tensor '" + info.name + "' holds " + shortNumber(data[bad]) + " at index " +
                 std::to_string(bad) + " of " + std::to_string(n) +
                 " (a corrupt file? GPT-2 parameters are finite and far below 1e8 in magnitude)");
    }

    const SafetensorsFile& file_;
    ModelWeights& w_;
    std::map<std::string, const TensorInfo*> byName_;
    std::set<std::string> used_;
    int64_t count_ = 0;
};

LayerWeights bindLayer(Binder& b, int i, const ModelConfig& c) {
    const std::string p = "h." + std::to_string(i) + ".";
    const int64_t C = c.n_embd, F = c.n_inner;
    LayerWeights l;
    l.ln1_w = b.vector(p + "ln_1.weight", C);
    l.ln1_b = b.vector(p + "ln_1.bias", C);
    l.attn_w = b.panels(p + "attn.c_attn.weight", C, 3 * C);
    l.attn_b = b.vector(p + "attn.c_attn.bias", 3 * C);
    l.attn_proj_w = b.panels(p + "attn.c_proj.weight", C, C);
    l.attn_proj_b = b.vector(p + "attn.c_proj.bias", C);
    l.ln2_w = b.vector(p + "ln_2.weight", C);
    l.ln2_b = b.vector(p + "ln_2.bias", C);
    l.fc_w = b.panels(p + "mlp.c_fc.weight", C, F);
    l.fc_b = b.vector(p + "mlp.c_fc.bias", F);
    l.mlp_proj_w = b.panels(p + "mlp.c_proj.weight", F, C);
    l.mlp_proj_b = b.vector(p + "mlp.c_proj.bias", C);
    return l;
}

// The causal-mask buffers h.N.attn.bias / h.N.attn.masked_bias are not parameters. Exact names
// only: h.N.attn.c_attn.bias and h.N.attn.c_proj.bias are real parameters.
std::set<std::string> maskBufferNames(int nLayer) {
    std::set<std::string> names;
    for (int i = 0; i < nLayer; ++i) {
        names.insert("h." + std::to_string(i) + ".attn.bias");
        names.insert("h." + std::to_string(i) + ".attn.masked_bias");
    }
    return names;
}

bool sameBytes(const SafetensorsFile& file, const TensorInfo& a, const TensorInfo& b) {
    const auto x = file.bytes(a), y = file.bytes(b);
    return a.dtype == b.dtype && x.size() == y.size() &&
           std::memcmp(x.data(), y.data(), x.size()) == 0;
}

// wteᵀ in panels. lm_head.weight is optional; a copy identical to wte counts as tied. wte itself
// is read only here: an F16/BF16 wte is widened into a temporary, not kept next to its copy.
void bindTokenEmbeddings(Binder& b, const SafetensorsFile& file, const ModelConfig& c,
                         ModelWeights& w) {
    const TensorInfo* head = b.find("lm_head.weight");
    const TensorInfo* wte = b.find("wte.weight");
    w.tiedLmHead = !head || !wte || (head->shape == wte->shape && sameBytes(file, *head, *wte));
    w.wteT = b.panels("wte.weight", c.vocab_size, c.n_embd, /*transpose=*/true);
    w.fileDType = wte->dtype;  // panels() threw if wte is missing
}

void bindLmHead(Binder& b, const ModelConfig& c, ModelWeights& w) {
    if (w.tiedLmHead) {
        w.lm_head = w.wteT;
        b.markUsed("lm_head.weight");
    } else {
        w.lm_head = b.panels("lm_head.weight", c.vocab_size, c.n_embd, /*transpose=*/true);
    }
}

}  // namespace

ModelWeights bindWeights(std::shared_ptr<const SafetensorsFile> file, const ModelConfig& config) {
    if (!file) throw Error("bindWeights: no safetensors file");
    ModelWeights w;
    w.file = file;
    Binder b(*file, w);
    const int64_t C = config.n_embd;
    bindTokenEmbeddings(b, *file, config, w);
    w.wpe = b.matrix("wpe.weight", config.n_positions, C);
    for (int i = 0; i < config.n_layer; ++i) w.layers.push_back(bindLayer(b, i, config));
    w.lnf_w = b.vector("ln_f.weight", C);
    w.lnf_b = b.vector("ln_f.bias", C);
    bindLmHead(b, config, w);
    b.rejectLeftovers(maskBufferNames(config.n_layer));
    w.parameterCount = b.parameterCount();
    return w;
}

}  // namespace tscope
