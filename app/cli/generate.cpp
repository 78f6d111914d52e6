// `tscope-cli generate MODEL_DIR --prompt TEXT --steps N [--temperature T --top-k K --top-p P
// --seed S]`: samples N tokens one at a time on the KV cache (Forward::append of one token per
// step); reports each step's token and its probability under the sampling distribution.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/json_out.h"
#include "core/error.h"
#include "core/forward.h"
#include "core/sampling.h"

namespace tscope::cli {

namespace {

struct GenerateArgs {
    std::string dir;
    PromptInput input;
    int steps = 20;
    SamplingSettings sampling;
    std::optional<uint64_t> seed;
    bool truncateLeft = false;
    bool stopAtEndOfText = false;
    int threads = 0;
};

void checkSettings(const GenerateArgs& args) {
    if (args.steps < 0) throw Error("--steps must not be negative");
    if (args.sampling.topK < 0) throw Error("--top-k must not be negative (0 = off)");
    if (!(args.sampling.topP > 0.0f && args.sampling.topP <= 1.0f))
        throw Error("--top-p must be in (0, 1]");
    if (!std::isfinite(args.sampling.temperature))
        throw Error("--temperature must be a finite number (0 = greedy)");
}

json text(const Tokenizer* tokenizer, const std::vector<int>& ids) {
    if (!tokenizer) return nullptr;
    return tokenizer->decode(ids);
}

json generate(const GenerateArgs& args) {
    checkSettings(args);
    const auto model = openModel(args.dir);
    const auto tokenizer = findTokenizer(*model);
    const std::vector<int> prompt = resolvePrompt(args.input, *model, tokenizer.get());
    // the last sampled token is never run, so the context must hold prompt + steps − 1 tokens
    const int64_t needed = int64_t(prompt.size()) + std::max(args.steps - 1, 0);
    if (!args.truncateLeft && needed > model->config.n_positions)
        throw Error("prompt (" + std::to_string(prompt.size()) + " tokens) + " +
                    std::to_string(args.steps) + " steps does not fit the context of " +
                    std::to_string(model->config.n_positions) +
                    " positions: use fewer --steps or --truncate-left");
    const uint64_t seed =
        args.seed ? *args.seed : (uint64_t(std::random_device{}()) << 32) | std::random_device{}();

    ForwardOptions options;
    options.capture.level = CaptureLevel::None;  // sampling needs only the last logits
    options.overflow = args.truncateLeft ? OverflowPolicy::TruncateLeft : OverflowPolicy::Refuse;
    options.threads = args.threads;
    Forward forward(model, options);
    forward.append(prompt);

    Rng rng(seed);
    std::vector<int> generated;
    json steps = json::array();
    for (int step = 0; step < args.steps; ++step) {
        const Vector& logits = forward.logitsLast();
        const std::span<const float> row(logits.data(), size_t(logits.size()));
        const std::vector<float> probs = nextTokenDistribution(row, args.sampling);
        const int id = sampleIndex(probs, rng);
        generated.push_back(id);
        steps.push_back({{"step", step},
                         {"id", id},
                         {"token", tokenText(tokenizer.get(), id)},
                         {"prob", jsonFloat(probs[size_t(id)])},
                         {"logit", jsonFloat(row[size_t(id)])},
                         {"entropy", jsonFloat(entropyNats(probs))}});
        if (args.stopAtEndOfText && id == kEndOfText) break;
        if (step + 1 < args.steps) forward.append(std::span<const int>(&id, 1));
    }

    std::vector<int> all = prompt;
    all.insert(all.end(), generated.begin(), generated.end());
    return {{"prompt_tokens", prompt},
            {"seed", seed},
            {"temperature", jsonFloat(args.sampling.temperature)},
            {"top_k", args.sampling.topK},
            {"top_p", jsonFloat(args.sampling.topP)},
            {"steps", std::move(steps)},
            {"generated_tokens", generated},
            {"tokens", all},
            {"generated_text", text(tokenizer.get(), generated)},
            {"text", text(tokenizer.get(), all)}};
}

}  // namespace

Command addGenerateCommand(CLI::App& app) {
    auto args = std::make_shared<GenerateArgs>();
    CLI::App* cmd = app.add_subcommand("generate", "sample tokens one at a time (KV cache)");
    cmd->add_option("MODEL_DIR", args->dir, "model directory")->required();
    addPromptOptions(cmd, args->input);
    cmd->add_option("--steps", args->steps, "tokens to generate")->capture_default_str();
    cmd->add_option("--temperature", args->sampling.temperature, "0 = greedy (argmax)")
        ->capture_default_str();
    cmd->add_option("--top-k", args->sampling.topK, "keep the k most likely tokens (0 = off)")
        ->capture_default_str();
    cmd->add_option("--top-p", args->sampling.topP, "nucleus sampling mass (1 = off)")
        ->capture_default_str();
    cmd->add_option("--seed", args->seed, "seed of the PCG32 generator (default: random)");
    cmd->add_flag("--stop-at-eot", args->stopAtEndOfText, "stop after <|endoftext|> (50256)");
    cmd->add_flag("--truncate-left", args->truncateLeft,
                  "drop the oldest tokens when the context is full instead of stopping");
    cmd->add_option("--threads", args->threads,
                    "worker threads (0 = the cores other processes leave idle)")
        ->capture_default_str();
    return {cmd, [args] { return generate(*args); }};
}

}  // namespace tscope::cli
