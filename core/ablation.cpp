#include "core/ablation.h"

#include <cmath>
#include <map>

#include "core/error.h"
#include "core/sampling.h"

namespace tscope {

namespace {

using Index = Eigen::Index;

int parseIndex(const std::string& text, const std::string& entry) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
        text.size() > 6)
        throw Error("bad head '" + entry + "': expected LAYER.HEAD, e.g. 5.1");
    return std::stoi(text);
}

// What the hooks need, per layer: which heads and neurons, and (mean mode) their replacements.
struct AblationPlan {
    int headDim = 0;
    std::map<int, std::vector<int>> heads, neurons;  // layer → indices
    std::map<int, RowVector> headMeans;              // layer → [C] mean of the head outputs
    std::map<int, RowVector> neuronMeans;            // layer → [F] mean of the activations
    bool mean = false;
};

// Means over the prompt's positions of every layer the ablation touches.
void takeMeans(AblationPlan& plan, const Capture& clean) {
    if (clean.T < 1) throw Error("mean-ablation needs a prompt of at least one token");
    for (const auto& [layer, heads] : plan.heads)
        plan.headMeans[layer] = clean.attentionRows(layer, 0, clean.T).headOut.colwise().mean();
    for (const auto& [layer, neurons] : plan.neurons)
        plan.neuronMeans[layer] = clean.mlpRows(layer, 0, clean.T).act.colwise().mean();
}

// Columns [c0, c0 + width) of every row become 0 or the mean.
void ablateColumns(ops::MatRef rows, Index c0, Index width, const RowVector* mean) {
    if (mean)
        rows.middleCols(c0, width).rowwise() = mean->segment(c0, width);
    else
        rows.middleCols(c0, width).setZero();
}

double logProbOf(const Vector& logits, int token) {
    const float lse = logSumExp({logits.data(), size_t(logits.size())});
    return double(logits[token]) - double(lse);
}

Capture runPrompt(std::shared_ptr<const Model> model, std::span<const int> ids,
                  ForwardHooks hooks = {}) {
    ForwardOptions options;
    options.hooks = std::move(hooks);
    Forward forward(std::move(model), options);
    forward.append(ids);
    return forward.capture();
}

void checkToken(const ModelConfig& config, int token) {
    if (token < 0 || token >= config.vocab_size)
        throw Error("token id " + std::to_string(token) + " is outside the vocabulary (0.." +
                    std::to_string(config.vocab_size - 1) + ")");
}

}  // namespace

std::vector<HeadRef> parseHeadList(const std::string& text) {
    std::vector<HeadRef> heads;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string entry = text.substr(start, comma - start);
        const size_t dot = entry.find('.');
        if (dot == std::string::npos)
            throw Error("bad head '" + entry + "': expected LAYER.HEAD, e.g. 5.1");
        heads.push_back(
            {parseIndex(entry.substr(0, dot), entry), parseIndex(entry.substr(dot + 1), entry)});
        start = comma + 1;
    }
    return heads;
}

AblationMode parseAblationMode(const std::string& text) {
    if (text == "zero") return AblationMode::Zero;
    if (text == "mean") return AblationMode::Mean;
    throw Error("ablation mode '" + text + "': expected zero or mean");
}

void checkAblation(const ModelConfig& config, const Ablation& ablation) {
    for (const HeadRef& h : ablation.heads)
        if (h.layer < 0 || h.layer >= config.n_layer || h.head < 0 || h.head >= config.n_head)
            throw Error("head " + std::to_string(h.layer) + "." + std::to_string(h.head) +
                        " is outside the model (" + std::to_string(config.n_layer) + " layers × " +
                        std::to_string(config.n_head) + " heads)");
    for (const NeuronRef& n : ablation.neurons)
        if (n.layer < 0 || n.layer >= config.n_layer || n.neuron < 0 || n.neuron >= config.n_inner)
            throw Error("neuron " + std::to_string(n.layer) + "." + std::to_string(n.neuron) +
                        " is outside the model (" + std::to_string(config.n_layer) + " layers × " +
                        std::to_string(config.n_inner) + " neurons)");
}

ForwardHooks ablationHooks(const ModelConfig& config, const Ablation& ablation,
                           const Capture& clean) {
    checkAblation(config, ablation);
    auto plan = std::make_shared<AblationPlan>();
    plan->headDim = config.headDim();
    plan->mean = ablation.mode == AblationMode::Mean;
    for (const HeadRef& h : ablation.heads) plan->heads[h.layer].push_back(h.head);
    for (const NeuronRef& n : ablation.neurons) plan->neurons[n.layer].push_back(n.neuron);
    if (plan->mean) takeMeans(*plan, clean);

    ForwardHooks hooks;
    if (!plan->heads.empty())
        hooks.headOutputs = [plan](int layer, ops::MatRef y, Index) {  // y [n,C]
            const auto it = plan->heads.find(layer);
            if (it == plan->heads.end()) return;
            const RowVector* mean = plan->mean ? &plan->headMeans.at(layer) : nullptr;
            for (int h : it->second)
                ablateColumns(y, Index(h) * plan->headDim, plan->headDim, mean);
        };
    if (!plan->neurons.empty())
        hooks.mlpActivations = [plan](int layer, ops::MatRef act, Index) {  // act [n,F]
            const auto it = plan->neurons.find(layer);
            if (it == plan->neurons.end()) return;
            const RowVector* mean = plan->mean ? &plan->neuronMeans.at(layer) : nullptr;
            for (int f : it->second) ablateColumns(act, f, 1, mean);
        };
    return hooks;
}

ForwardHooks ablationHooks(std::shared_ptr<const Model> model, std::span<const int> ids,
                           const Ablation& ablation) {
    checkAblation(model->config, ablation);
    const bool needsMeans = ablation.mode == AblationMode::Mean && !ablation.empty();
    const Capture clean = needsMeans ? runPrompt(model, ids) : Capture();
    return ablationHooks(model->config, ablation, clean);
}

std::optional<double> nextTokenLoss(const Capture& capture) {
    if (capture.T < 2) return std::nullopt;
    const std::span<const int> t = capture.tokens();
    const RowMatrix logits = capture.logits(0, capture.T - 1);  // [T−1,V]
    double sum = 0;
    for (Index i = 0; i < logits.rows(); ++i) {
        const float lse = logSumExp({logits.row(i).data(), size_t(logits.cols())});
        sum += double(lse) - double(logits(i, t[size_t(i + 1)]));
    }
    return sum / double(logits.rows());
}

AblationEffect ablationEffect(std::shared_ptr<const Model> model, std::span<const int> ids,
                              const Ablation& ablation, int token) {
    checkToken(model->config, token);
    const Capture before = runPrompt(model, ids);
    const Capture after = runPrompt(model, ids, ablationHooks(model->config, ablation, before));
    AblationEffect e;
    e.logitsBefore = before.logitsLast();
    e.logitsAfter = after.logitsLast();
    e.token = token;
    e.logProbBefore = logProbOf(e.logitsBefore, token);
    e.logProbAfter = logProbOf(e.logitsAfter, token);
    e.probBefore = std::exp(e.logProbBefore);
    e.probAfter = std::exp(e.logProbAfter);
    e.lossBefore = nextTokenLoss(before);
    e.lossAfter = nextTokenLoss(after);
    return e;
}

std::vector<std::vector<double>> headAblationSweep(std::shared_ptr<const Model> model,
                                                   std::span<const int> ids, AblationMode mode,
                                                   int token, AblationMetric metric,
                                                   const SweepProgressFn& progress) {
    checkToken(model->config, token);
    if (metric == AblationMetric::Loss && ids.size() < 2)
        throw Error("the loss needs a prompt of at least two tokens");
    const Capture before = runPrompt(model, ids);
    auto measure = [&](const Capture& c) -> double {
        if (metric == AblationMetric::Loss) return *nextTokenLoss(c);
        const double lp = logProbOf(c.logitsLast(), token);
        return metric == AblationMetric::Prob ? std::exp(lp) : lp;
    };
    const double base = measure(before);
    const ModelConfig& cfg = model->config;
    std::vector<std::vector<double>> grid(size_t(cfg.n_layer), std::vector<double>(cfg.n_head));
    for (int l = 0; l < cfg.n_layer; ++l)
        for (int h = 0; h < cfg.n_head; ++h) {
            const Ablation one{{{l, h}}, {}, mode};
            grid[size_t(l)][size_t(h)] =
                measure(runPrompt(model, ids, ablationHooks(cfg, one, before))) - base;
            if (progress && !progress(l * cfg.n_head + h + 1, cfg.n_layer * cfg.n_head))
                throw Cancelled();
        }
    return grid;
}

}  // namespace tscope
