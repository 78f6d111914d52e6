#include "app/cli/cli_common.h"

#include <charconv>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/resources.h"

namespace tscope::cli {

namespace fs = std::filesystem;

std::string readTextArgument(const std::string& argument) {
    if (argument != "-") return argument;
    std::string text;
    char buffer[65536];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) text.append(buffer, n);
    if (std::ferror(stdin)) throw Error("cannot read standard input");
    return text;
}

std::vector<int> parseIds(const std::string& text) {
    std::vector<int> ids;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        std::string item = text.substr(pos, comma - pos);
        const auto first = item.find_first_not_of(" \t\n\r");
        const auto last = item.find_last_not_of(" \t\n\r");
        item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
        int id = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
        if (item.empty() || ec != std::errc() || end != item.data() + item.size())
            throw Error("--ids: '" + item + "' is not a token id (expected e.g. --ids 464,1176)");
        ids.push_back(id);
        pos = comma + 1;
    }
    return ids;
}

std::shared_ptr<const Model> openModel(const std::string& argument) {
    const fs::path directory = resources::resolveModelArgument(argument);
    std::error_code ec;
    if (!fs::exists(directory, ec))
        throw Error("model directory '" + argument +
                    "' does not exist (nor is it a bundled model name such as 'default')");
    if (!fs::is_directory(directory, ec))
        throw Error("'" + argument + "' is not a model directory");
    return loadModel(directory);
}

namespace {

bool usesGpt2Vocabulary(const Model& model) {
    return model.config.vocab_size == kEndOfText + 1;
}

}  // namespace

std::shared_ptr<const Tokenizer> findTokenizer(const Model& model) {
    if (model.tokenizer) return model.tokenizer;
    if (!usesGpt2Vocabulary(model)) return nullptr;
    const auto dir = resources::gpt2TokenizerDir();
    if (!dir) return nullptr;
    return Tokenizer::load(*dir / "vocab.json", *dir / "merges.txt");
}

std::string tokenizerSource(const Model& model) {
    if (model.tokenizer) return "model";
    if (usesGpt2Vocabulary(model) && resources::gpt2TokenizerDir()) return "bundled-gpt2";
    return "none";
}

void addPromptOptions(CLI::App* command, PromptInput& input) {
    auto* prompt =
        command->add_option("--prompt", input.prompt, "prompt text ('-' reads standard input)");
    auto* ids = command->add_option("--ids", input.ids, "prompt as token ids, e.g. 464,1176,7901");
    prompt->excludes(ids);
    ids->excludes(prompt);
    command->add_flag("--special", input.special,
                      "treat <|endoftext|> in the prompt as the special token 50256");
}

std::vector<int> resolvePrompt(const PromptInput& input, const Model& model,
                               const Tokenizer* tokenizer) {
    std::vector<int> ids;
    if (input.ids) {
        ids = parseIds(readTextArgument(*input.ids));
    } else if (input.prompt) {
        if (!tokenizer)
            throw Error("model '" + model.directory.string() +
                        "' has no tokenizer (vocab.json, merges.txt): give the prompt with --ids");
        ids = tokenizer->encodeIds(readTextArgument(*input.prompt), input.special);
    } else {
        throw Error("give a prompt with --prompt TEXT or --ids 1,2,3");
    }
    if (ids.empty()) throw Error("the prompt has no tokens");
    const int vocab = model.config.vocab_size;
    for (int id : ids)
        if (id < 0 || id >= vocab)
            throw Error("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                        std::to_string(vocab - 1) + ")");
    return ids;
}

}  // namespace tscope::cli
