// `tscope-cli run MODEL_DIR (--prompt TEXT | --ids 1,2,3)`: one instrumented forward pass. Field
// names follow tests/fixtures/tiny-gpt2/expected.json (tokens, T, top5_last, logsumexp,
// attention, residual_last, lnf_last, logits_last) so the output compares with it directly.
#include <cmath>
#include <memory>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/json_out.h"
#include "core/ablation.h"
#include "core/error.h"
#include "core/forward.h"
#include "core/logit_lens.h"
#include "core/npy.h"
#include "core/sampling.h"

namespace tscope::cli {

namespace {

struct RunArgs {
    std::string dir;
    PromptInput input;
    int topK = 5;
    int lensK = 3;
    bool lastRow = false;
    bool logitsLast = false;
    bool listTensors = false;
    bool truncateLeft = false;
    int threads = 0;
    std::vector<std::string> dumps;     // NAME=FILE.npy
    std::optional<std::string> ablate;  // L.H,L.H
    std::string ablateMode = "zero";
};

// --ablate L.H,… [--ablate-mode zero|mean]: hooks that remove those heads from every output.
json applyAblation(const RunArgs& args, const std::shared_ptr<const Model>& model,
                   const std::vector<int>& ids, ForwardOptions& options) {
    const Ablation ablation{parseHeadList(*args.ablate), {}, parseAblationMode(args.ablateMode)};
    options.hooks = ablationHooks(model, ids, ablation);
    json heads = json::array();
    for (const HeadRef& h : ablation.heads) heads.push_back({h.layer, h.head});
    return {{"heads", heads}, {"mode", args.ablateMode}};
}

std::span<const float> lastLogits(const Capture& capture) {
    return {capture.logitsLast().data(), size_t(capture.logitsLast().size())};
}

// As the fixture's top5_last: the k largest logits of the last position, descending.
json topLogits(const Capture& capture, int k) {
    const auto logits = lastLogits(capture);
    const std::vector<int> ids = topIndices(logits, k);
    json values = json::array();
    for (int id : ids) values.push_back(jsonFloat(logits[size_t(id)]));
    return {{"ids", ids}, {"logits", std::move(values)}};
}

// The same with probabilities, p = exp(logit − logsumexp), and the tokens' text.
json topTokens(const Capture& capture, const Tokenizer* tokenizer, int k) {
    json out = topLogits(capture, k);
    const double lse = logSumExp(lastLogits(capture));
    json probs = json::array(), text = json::array();
    for (const json& id : out["ids"]) {
        probs.push_back(jsonFloat(float(std::exp(lastLogits(capture)[id.get<size_t>()] - lse))));
        text.push_back(tokenText(tokenizer, id.get<int>()));
    }
    out["probs"] = std::move(probs);
    out["tokens"] = std::move(text);
    return out;
}

// [n_layer][n_head][T][T], or [n_layer][n_head][T] (the last query row only).
json attention(const Capture& capture, bool lastRowOnly) {
    json layers = json::array();
    for (int l = 0; l < capture.layers(); ++l) {
        json heads = json::array();
        for (int h = 0; h < capture.heads(); ++h) {
            const RowMatrix p = capture.computePattern(l, h).probs;  // [T,T]
            if (lastRowOnly) {
                heads.push_back(floatArray(RowVector(p.row(p.rows() - 1))));
                continue;
            }
            json rows = json::array();
            for (Eigen::Index t = 0; t < p.rows(); ++t)
                rows.push_back(floatArray(RowVector(p.row(t))));
            heads.push_back(std::move(rows));
        }
        layers.push_back(std::move(heads));
    }
    return layers;
}

// [n_layer][C]: the residual stream after each block at the last position.
json residualLast(const Capture& capture) {
    json layers = json::array();
    for (int l = 0; l < capture.layers(); ++l)
        layers.push_back(floatArray(RowVector(capture.residPost(l).row(capture.T - 1))));
    return layers;
}

json tokenTexts(const Tokenizer* tokenizer, const std::vector<int>& ids) {
    json text = json::array();
    for (int id : ids) text.push_back(tokenText(tokenizer, id));
    return text;
}

json lensEntries(const std::vector<TokenScore>& scores, const Tokenizer* tokenizer) {
    json out = json::array();
    for (const TokenScore& s : scores)
        out.push_back({{"id", s.id},
                       {"token", tokenText(tokenizer, s.id)},
                       {"logit", jsonFloat(s.logit)},
                       {"prob", jsonFloat(s.prob)}});
    return out;
}

// Per layer, the top-k tokens of the last position's residual after attention and after the MLP.
json logitLensTable(const Model& model, const Capture& capture, const Tokenizer* tokenizer, int k) {
    json layers = json::array();
    const int last = capture.T - 1;
    for (int l = 0; l < capture.layers(); ++l) {
        const auto afterAttn = logitLens(model, capture, l, LensPoint::AfterAttention, last, k);
        const auto afterMlp = logitLens(model, capture, l, LensPoint::AfterMlp, last, k);
        layers.push_back({{"layer", l},
                          {"after_attention", lensEntries(afterAttn, tokenizer)},
                          {"after_mlp", lensEntries(afterMlp, tokenizer)}});
    }
    return layers;
}

json listTensors(const Capture& capture) {
    json out = json::array();
    for (const std::string& name : capture.tensorNames())
        out.push_back({{"name", name}, {"shape", *capture.tensorShape(name)}});
    return out;
}

// --dump NAME=FILE.npy: writes one named tensor of the capture.
json dumpTensor(const Capture& capture, const std::string& spec) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
        throw Error("--dump '" + spec + "': expected NAME=FILE.npy, e.g. blk.0.attn.probs=att.npy");
    const std::string name = spec.substr(0, eq), file = spec.substr(eq + 1);
    const auto tensor = capture.tensor(name);
    if (!tensor) throw Error("--dump: no tensor named '" + name + "' (see run --list-tensors)");
    writeNpy(file, tensor->shape, tensor->values);
    return {{"name", name}, {"file", file}, {"shape", tensor->shape}};
}

json run(const RunArgs& args) {
    if (args.topK < 1) throw Error("--top-k must be at least 1");
    if (args.lensK < 0) throw Error("--lens-k must not be negative");
    const auto model = openModel(args.dir);
    const auto tokenizer = findTokenizer(*model);
    const std::vector<int> ids = resolvePrompt(args.input, *model, tokenizer.get());

    ForwardOptions options;
    // residuals, ln_f and attention need the residual stream; the fixture's logsumexp lists
    // every position
    options.capture.level = CaptureLevel::Residual;
    options.capture.logsumexpAll = true;
    options.overflow = args.truncateLeft ? OverflowPolicy::TruncateLeft : OverflowPolicy::Refuse;
    options.threads = args.threads;
    const json ablated = args.ablate ? applyAblation(args, model, ids, options) : json();
    Forward forward(model, options);
    forward.append(ids);
    const Capture capture = forward.capture();
    const int T = capture.T;

    json out;
    out["tokens"] = forward.tokens();
    out["T"] = T;
    if (args.ablate) out["ablated"] = ablated;
    if (tokenizer) out["token_text"] = tokenTexts(tokenizer.get(), forward.tokens());
    if (forward.length() < int(ids.size()))
        out["truncated_left"] = int(ids.size()) - forward.length();
    out["top5_last"] = topLogits(capture, 5);
    out["top_last"] = topTokens(capture, tokenizer.get(), args.topK);
    out["logsumexp"] = floatArray(capture.logsumexp());
    out["attention_format"] =
        args.lastRow ? "last_row: [n_layer][n_head][T]" : "full: [n_layer][n_head][T][T]";
    out["attention"] = attention(capture, args.lastRow);
    out["residual_last"] = residualLast(capture);
    out["lnf_last"] = floatArray(RowVector(capture.lnf(T - 1, 1).row(0)));
    if (args.lensK > 0)
        out["logit_lens"] = logitLensTable(*model, capture, tokenizer.get(), args.lensK);
    if (args.logitsLast) out["logits_last"] = floatArray(lastLogits(capture));
    if (args.listTensors) out["tensors"] = listTensors(capture);
    if (!args.dumps.empty()) {
        json dumped = json::array();
        for (const std::string& spec : args.dumps) dumped.push_back(dumpTensor(capture, spec));
        out["dumped"] = std::move(dumped);
    }
    return out;
}

}  // namespace

Command addRunCommand(CLI::App& app) {
    auto args = std::make_shared<RunArgs>();
    CLI::App* cmd = app.add_subcommand("run", "one instrumented forward pass over a prompt");
    cmd->add_option("MODEL_DIR", args->dir, "model directory")->required();
    addPromptOptions(cmd, args->input);
    cmd->add_option("--top-k", args->topK, "how many next tokens to list (top_last)")
        ->capture_default_str();
    cmd->add_option("--lens-k", args->lensK, "tokens per logit-lens entry (0 = no logit lens)")
        ->capture_default_str();
    cmd->add_flag("--last-row", args->lastRow, "attention of the last query position only");
    cmd->add_flag("--logits-last", args->logitsLast, "include every logit of the last position");
    cmd->add_flag("--list-tensors", args->listTensors, "list every captured tensor and its shape");
    cmd->add_option("--dump", args->dumps, "write a captured tensor as .npy: NAME=FILE.npy")
        ->allow_extra_args(false);
    cmd->add_flag("--truncate-left", args->truncateLeft,
                  "keep the last n_positions tokens of a longer prompt instead of refusing it");
    auto* ablate = cmd->add_option("--ablate", args->ablate,
                                   "remove these heads from the model, e.g. 5.1,7.10 (every "
                                   "output then describes the ablated model)");
    cmd->add_option("--ablate-mode", args->ablateMode,
                    "zero: the head's output is 0; mean: its mean over the prompt's positions")
        ->capture_default_str()
        ->needs(ablate);
    cmd->add_option("--threads", args->threads,
                    "worker threads (0 = the cores other processes leave idle)")
        ->capture_default_str();
    return {cmd, [args] { return run(*args); }};
}

}  // namespace tscope::cli
