// `tscope-cli heads MODEL_DIR (--prompt TEXT | --ids … | --repeated N [--seed S] [--seeds K])`:
// the six head-role scores of every head (core/head_scores.h has the definitions), on a prompt
// or on the repeated random probe averaged over K seeds (S, S+1, …).
#include <memory>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/json_out.h"
#include "core/error.h"
#include "core/head_scores.h"
#include "core/reported_heads.h"

namespace tscope::cli {

namespace {

struct HeadsArgs {
    std::string dir;
    PromptInput input;
    std::optional<int> repeated;
    uint64_t seed = 0;
    int seeds = 1;
};

json headsJson(const HeadScoreGrid& grid) {
    json heads = json::array();
    for (int l = 0; l < grid.layers; ++l)
        for (int h = 0; h < grid.heads; ++h) {
            json entry = {{"layer", l}, {"head", h}};
            const HeadScores& s = grid.at(l, h);
            for (int k = 0; k < kHeadScoreCount; ++k) {
                const auto v = s.values[size_t(k)];
                entry[headScoreName(HeadScore(k))] = v ? json(jsonFloat(float(*v))) : json();
            }
            heads.push_back(std::move(entry));
        }
    return heads;
}

// Labels from the literature for GPT-2 small (not our results); absent for other models.
void addReported(json& out, const ModelConfig& config) {
    json reported = json::array();
    for (const ReportedHead& r : reportedHeads(config))
        reported.push_back({{"layer", r.layer}, {"head", r.head}, {"role", r.role}});
    if (!reported.empty()) out["reported"] = std::move(reported);
}

json repeatedProbe(const HeadsArgs& args, std::shared_ptr<const Model> model) {
    if (args.seeds < 1) throw Error("--seeds must be at least 1");
    json ids = json::array();
    for (int k = 0; k < args.seeds; ++k)
        ids.push_back(repeatedRandomIds(model->config, *args.repeated, args.seed + uint64_t(k)));
    json out;
    out["probe"] = {{"n", *args.repeated}, {"seed", args.seed}, {"seeds", args.seeds}};
    out["ids"] = args.seeds == 1 ? ids[0] : ids;  // one list per seed when there are several
    out["heads"] = headsJson(repeatedProbeScores(model, *args.repeated, args.seed, args.seeds));
    addReported(out, model->config);
    return out;
}

json run(const HeadsArgs& args) {
    const auto model = openModel(args.dir);
    if (args.repeated) return repeatedProbe(args, model);
    const auto tokenizer = findTokenizer(*model);
    const std::vector<int> ids = resolvePrompt(args.input, *model, tokenizer.get());
    if (int(ids.size()) > model->config.n_positions)
        throw Error("prompt has " + std::to_string(ids.size()) +
                    " tokens but the model's context is " +
                    std::to_string(model->config.n_positions));
    json out;
    out["tokens"] = ids;
    out["heads"] = headsJson(headScoreGrid(model, ids));
    addReported(out, model->config);
    return out;
}

}  // namespace

Command addHeadsCommand(CLI::App& app) {
    auto args = std::make_shared<HeadsArgs>();
    CLI::App* cmd = app.add_subcommand(
        "heads",
        "head-role scores (prev_token, first_token, self, duplicate_token, induction, "
        "entropy) of every attention head");
    cmd->add_option("MODEL_DIR", args->dir, "model directory")->required();
    addPromptOptions(cmd, args->input);
    auto* repeated = cmd->add_option(
        "--repeated", args->repeated,
        "the probe <|endoftext|>, N random ids, the same N again (instead of a prompt)");
    repeated->excludes("--prompt")->excludes("--ids");
    cmd->add_option("--seed", args->seed, "first seed of the probe's random ids")
        ->capture_default_str()
        ->needs(repeated);
    cmd->add_option("--seeds", args->seeds,
                    "average over this many seeds (S, S+1, ...); ids then lists one list per seed")
        ->capture_default_str()
        ->needs(repeated);
    return {cmd, [args] { return run(*args); }};
}

}  // namespace tscope::cli
