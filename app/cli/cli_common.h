// What several tscope-cli subcommands share: reading text arguments ("-" = stdin), parsing
// --ids, opening a model, finding a tokenizer (the model's own, or the bundled GPT-2 one for a
// 50257-token vocabulary), and turning --prompt / --ids into token ids.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/tokenizer.h"

namespace tscope::cli {

// A text argument as bytes; "-" reads all of standard input (any byte, NUL included).
std::string readTextArgument(const std::string& argument);

// "464, 1176,7901" → {464, 1176, 7901}; throws tscope::Error naming the bad entry.
std::vector<int> parseIds(const std::string& text);

// loadModel on a model directory or a bundled model name ("default"), with a clear message
// when neither exists.
std::shared_ptr<const Model> openModel(const std::string& argument);

// The model's tokenizer, else the bundled GPT-2 one if the vocabulary has GPT-2's size, else null.
std::shared_ptr<const Tokenizer> findTokenizer(const Model& model);
// Where that tokenizer came from: "model", "bundled-gpt2" or "none".
std::string tokenizerSource(const Model& model);

// --prompt TEXT | --ids 1,2,3, as registered by addPromptOptions.
struct PromptInput {
    std::optional<std::string> prompt;
    std::optional<std::string> ids;
    bool special = false;  // <|endoftext|> in the prompt becomes id 50256
};
void addPromptOptions(CLI::App* command, PromptInput& input);

// The prompt's token ids, each checked against the vocabulary. A --prompt needs a tokenizer.
std::vector<int> resolvePrompt(const PromptInput& input, const Model& model,
                               const Tokenizer* tokenizer);

}  // namespace tscope::cli
