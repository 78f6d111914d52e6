// `tscope-cli tokenize MODEL_DIR TEXT [--special]`: ids, vocab strings, display text and the byte
// span of the input that each token covers.
#include <memory>

#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/json_out.h"
#include "core/error.h"

namespace tscope::cli {

namespace {

struct TokenizeArgs {
    std::string dir;
    std::string text;
    bool special = false;
};

json tokenize(const TokenizeArgs& args) {
    const auto model = openModel(args.dir);
    const auto tokenizer = findTokenizer(*model);
    if (!tokenizer)
        throw Error("model '" + args.dir +
                    "' has no tokenizer (vocab.json, merges.txt) and its vocabulary is not "
                    "GPT-2's: use --ids with run and generate");
    const std::string text = readTextArgument(args.text);
    json ids = json::array(), strings = json::array(), display = json::array(),
         spans = json::array();
    for (const Token& t : tokenizer->encode(text, args.special)) {
        ids.push_back(t.id);
        strings.push_back(tokenizer->tokenString(t.id));
        display.push_back(tokenizer->tokenDisplay(t.id));
        spans.push_back({t.byteBegin, t.byteEnd});
    }
    return {{"tokenizer", tokenizerSource(*model)},
            {"byte_length", text.size()},
            {"count", ids.size()},
            {"ids", ids},
            {"tokens", strings},
            {"display", display},
            {"spans", spans}};
}

}  // namespace

Command addTokenizeCommand(CLI::App& app) {
    auto args = std::make_shared<TokenizeArgs>();
    CLI::App* cmd = app.add_subcommand("tokenize", "token ids, strings and byte spans of a text");
    cmd->add_option("MODEL_DIR", args->dir, "model directory")->required();
    cmd->add_option("TEXT", args->text, "text to encode ('-' reads standard input)")->required();
    cmd->add_flag("--special", args->special, "encode <|endoftext|> as the special token 50256");
    return {cmd, [args] { return tokenize(*args); }};
}

}  // namespace tscope::cli
