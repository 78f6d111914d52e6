// Fuzzes tokenizer construction: the input is vocab.json, then the line "#merges" and merges.txt
// (no such line: all of it is vocab.json and merges.txt is empty). Loading must succeed or throw
// tscope::Error; a loaded tokenizer must encode a fixed text and the input itself into tokens
// whose byte spans tile the text and whose bytes spell it.
#include <string>

#include "core/error.h"
#include "core/tokenizer.h"
#include "fuzz_util.h"

using namespace tscope;

namespace {

constexpr std::string_view kSeparator = "\n#merges\n";
constexpr std::string_view kSample =
    "Hello world, it's 2024!\n  Ünïcödé 日本語 🙂 \xff\xfe <|endoftext|> don't   stop";

void checkEncoding(const Tokenizer& tokenizer, std::string_view text, bool allowSpecial) {
    std::string spelled;
    size_t covered = 0;
    for (const Token& t : tokenizer.encode(text, allowSpecial)) {
        fuzz::check(t.byteBegin == covered && t.byteEnd > t.byteBegin, "spans do not tile");
        fuzz::check(tokenizer.hasId(t.id), "token id outside the vocabulary");
        spelled += tokenizer.tokenBytes(t.id);
        covered = t.byteEnd;
    }
    fuzz::check(covered == text.size(), "spans do not cover the text");
    fuzz::check(spelled == text, "token bytes do not spell the text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input = fuzz::asText(data, size);
    const size_t split = input.find(kSeparator);
    const std::string_view vocab = input.substr(0, split);
    const std::string_view merges = split == std::string_view::npos
                                        ? std::string_view()
                                        : input.substr(split + kSeparator.size());
    const auto vocabPath = fuzz::writeScratch("vocab.json", vocab);
    const auto mergesPath = fuzz::writeScratch("merges.txt", merges);
    std::shared_ptr<const Tokenizer> tokenizer;
    try {
        tokenizer = Tokenizer::load(vocabPath, mergesPath);
    } catch (const Error&) {
        return 0;
    }
    fuzz::check(tokenizer->vocabSize() > 0, "empty vocabulary loaded");
    for (const bool allowSpecial : {false, true}) {
        checkEncoding(*tokenizer, kSample, allowSpecial);
        checkEncoding(*tokenizer, merges, allowSpecial);
    }
    return 0;
}
