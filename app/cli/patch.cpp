// `tscope-cli patch MODEL_DIR --clean TEXT --corrupt TEXT --right TOKEN --wrong TOKEN
// [--what resid|heads]`: activation patching from the clean run into the corrupted one
// (core/patching.h). grid[layer][position] for resid, grid[layer][head] for heads.
#include <memory>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/json_out.h"
#include "core/error.h"
#include "core/patching.h"

namespace tscope::cli {

namespace {

struct PatchArgs {
    std::string dir;
    PromptInput clean, corrupt;
    std::optional<std::string> right, wrong;  // token text (one token)
    std::optional<int> rightId, wrongId;
    std::string what = "resid";
};

// An answer token given as text (it must be exactly one token) or as an id.
int answerToken(const std::optional<std::string>& text, const std::optional<int>& id,
                const Tokenizer* tokenizer, const std::string& option) {
    if (id) return *id;
    if (!text)
        throw Error("give the " + option + " answer with --" + option + " or --" + option + "-id");
    if (!tokenizer) throw Error("the model has no tokenizer: give --" + option + "-id");
    const std::vector<int> ids = tokenizer->encodeIds(*text, false);
    if (ids.size() != 1)
        throw Error("--" + option + " '" + *text + "' is " + std::to_string(ids.size()) +
                    " tokens; it must be exactly one (mind the leading space, e.g. ' Mary')");
    return ids[0];
}

json gridJson(const std::vector<std::vector<double>>& grid) {
    json rows = json::array();
    for (const auto& row : grid) {
        json values = json::array();
        for (double v : row) values.push_back(jsonFloat(float(v)));
        rows.push_back(std::move(values));
    }
    return rows;
}

json run(const PatchArgs& args) {
    if (args.what != "resid" && args.what != "heads")
        throw Error("--what '" + args.what + "': expected resid or heads");
    const auto model = openModel(args.dir);
    const auto tokenizer = findTokenizer(*model);
    const std::vector<int> clean = resolvePrompt(args.clean, *model, tokenizer.get());
    const std::vector<int> corrupt = resolvePrompt(args.corrupt, *model, tokenizer.get());
    const int right = answerToken(args.right, args.rightId, tokenizer.get(), "right");
    const int wrong = answerToken(args.wrong, args.wrongId, tokenizer.get(), "wrong");
    ActivationPatcher patcher(model, clean, corrupt);
    const PatchTarget what = args.what == "resid" ? PatchTarget::Residual : PatchTarget::Heads;
    const PatchGrid g = patcher.grid(what, right, wrong);
    json out;
    out["ld_clean"] = jsonFloat(float(g.ldClean));
    out["ld_corrupt"] = jsonFloat(float(g.ldCorrupt));
    out["what"] = args.what;
    out["grid"] = gridJson(g.recovery);
    out["ld_grid"] = gridJson(g.ld);
    out["tokens_clean"] = clean;
    out["tokens_corrupt"] = corrupt;
    out["first_difference"] = patcher.firstDifference();
    out["right"] = {{"id", right}, {"token", tokenText(tokenizer.get(), right)}};
    out["wrong"] = {{"id", wrong}, {"token", tokenText(tokenizer.get(), wrong)}};
    return out;
}

void addPrompt(CLI::App* cmd, PromptInput& input, const std::string& name) {
    auto* text = cmd->add_option("--" + name, input.prompt, name + " prompt text");
    auto* ids = cmd->add_option("--" + name + "-ids", input.ids, name + " prompt as token ids");
    text->excludes(ids);
}

}  // namespace

Command addPatchCommand(CLI::App& app) {
    auto args = std::make_shared<PatchArgs>();
    CLI::App* cmd = app.add_subcommand(
        "patch", "activation patching: recovery of ld = logit[right] - logit[wrong] per cell");
    cmd->add_option("MODEL_DIR", args->dir, "model directory")->required();
    addPrompt(cmd, args->clean, "clean");
    addPrompt(cmd, args->corrupt, "corrupt");
    cmd->add_option("--right", args->right, "the right answer: one token of text, e.g. ' Mary'");
    cmd->add_option("--wrong", args->wrong, "the wrong answer: one token of text");
    cmd->add_option("--right-id", args->rightId, "the right answer as a token id");
    cmd->add_option("--wrong-id", args->wrongId, "the wrong answer as a token id");
    cmd->add_option("--what", args->what,
                    "resid: the residual entering block l at position p (grid [L][T]); heads: "
                    "each head's output at every position (grid [L][H])")
        ->capture_default_str();
    return {cmd, [args] { return run(*args); }};
}

}  // namespace tscope::cli
