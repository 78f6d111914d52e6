// Fuzzes encode → decode with the real GPT-2 tokenizer (resources/gpt2-tokenizer) on arbitrary
// bytes: the token spans tile the input exactly, each token's bytes are the input bytes it
// spans, and decode(encode(x)) == x for valid UTF-8 (else x with U+FFFD for invalid runs).
#include <string>

#include "core/error.h"
#include "core/tokenizer.h"
#include "core/utf8.h"
#include "fuzz_util.h"

using namespace tscope;

namespace {

const Tokenizer& gpt2() {
    static const auto tokenizer =
        Tokenizer::load(TSCOPE_SOURCE_DIR "/resources/gpt2-tokenizer/vocab.json",
                        TSCOPE_SOURCE_DIR "/resources/gpt2-tokenizer/merges.txt");
    return *tokenizer;
}

void checkRoundTrip(std::string_view text, bool allowSpecial) {
    const Tokenizer& tokenizer = gpt2();
    const std::vector<Token> tokens = tokenizer.encode(text, allowSpecial);
    std::vector<int> ids;
    size_t covered = 0;
    for (const Token& t : tokens) {
        fuzz::check(t.byteBegin == covered && t.byteEnd > t.byteBegin, "spans do not tile");
        fuzz::check(tokenizer.tokenBytes(t.id) == text.substr(t.byteBegin, t.byteEnd - t.byteBegin),
                    "a token's bytes differ from the input bytes it spans");
        fuzz::check(allowSpecial || t.id != kEndOfText, "<|endoftext|> without allowSpecial");
        ids.push_back(t.id);
        covered = t.byteEnd;
    }
    fuzz::check(covered == text.size(), "spans do not cover the input");
    fuzz::check(tokenizer.encodeIds(text, allowSpecial) == ids, "encodeIds differs from encode");
    fuzz::check(tokenizer.decode(ids) == sanitizeUtf8(text), "decode(encode(x)) != x");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::asText(data, size);
    checkRoundTrip(text, false);
    checkRoundTrip(text, true);
    if (isValidUtf8(text))
        fuzz::check(gpt2().decode(gpt2().encodeIds(text)) == text,
                    "valid UTF-8 did not round-trip");
    else
        fuzz::check(sanitizeUtf8(text) != text, "sanitizeUtf8 kept invalid UTF-8");
    return 0;
}
