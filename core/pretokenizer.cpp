#include "core/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/utf8.h"

namespace tscope {

namespace {

// \s as the White_Space property: U+0085 is a space; U+180E (which PCRE2's \s matches) and
// U+FEFF are not.
constexpr std::string_view kWhiteSpace =
    R"(\x{9}-\x{D} \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

// OpenAI's pattern,  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::string gpt2Pattern() {
    const std::string ws(kWhiteSpace);
    return R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^)" + ws + R"(\p{L}\p{N}]+)" +  //
           "|[" + ws + "]+(?![^" + ws + "])|[" + ws + "]+";
}

// A valid-UTF-8 stand-in for text with invalid bytes: each maximal invalid subsequence becomes
// U+FFFD, and originalAt[i] is the offset in the original text of clean offset i.
struct CleanText {
    std::string clean;
    std::vector<size_t> originalAt;
};

CleanText replaceInvalidUtf8(std::string_view text) {
    CleanText out;
    out.clean.reserve(text.size() + 16);
    out.originalAt.reserve(text.size() + 17);
    size_t pos = 0;
    while (pos < text.size()) {
        const Utf8Step step = decodeUtf8(text, pos);
        const size_t before = out.clean.size();
        if (step.valid) {
            out.clean.append(text.substr(pos, step.length));
        } else {
            appendUtf8(out.clean, kReplacementChar);
        }
        // Only character starts are ever asked for; the rest point at the character's start.
        out.originalAt.insert(out.originalAt.end(), out.clean.size() - before, pos);
        pos += step.length;
    }
    out.originalAt.push_back(text.size());
    return out;
}

}  // namespace

struct PreTokenizer::Impl {
    pcre2_code* code = nullptr;

    // findall() on valid UTF-8: consecutive matches; any unmatched stretch (the pattern leaves
    // none, but never lose bytes) becomes a piece of its own.
    void splitValid(std::string_view text, std::vector<ByteRange>& pieces) const;
};

PreTokenizer::PreTokenizer() : impl_(std::make_unique<Impl>()) {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    const std::string_view source = pattern();
    impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                                PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr);
    if (!impl_->code) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(errorCode, message, sizeof message);
        throw Error("tokenizer: PCRE2 cannot compile GPT-2's pattern at offset " +
                    std::to_string(errorOffset) + ": " + reinterpret_cast<char*>(message));
    }
    // Without JIT support pcre2_match interprets the pattern: slower, same results.
    pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);
}

PreTokenizer::~PreTokenizer() {
    pcre2_code_free(impl_->code);
}

std::string_view PreTokenizer::pattern() {
    static const std::string source = gpt2Pattern();
    return source;
}

void PreTokenizer::Impl::splitValid(std::string_view text, std::vector<ByteRange>& pieces) const {
    const std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
        pcre2_match_data_create_from_pattern(code, nullptr), &pcre2_match_data_free);
    if (!match) throw Error("tokenizer: out of memory for PCRE2 match data");
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    size_t pos = 0;
    while (pos < text.size()) {
        // The text was checked already: without NO_UTF_CHECK PCRE2 would rescan the rest of it
        // on every call, which is quadratic.
        const int rc =
            pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, match.get(), nullptr);
        size_t begin = text.size(), end = text.size();
        if (rc >= 0) {
            begin = ovector[0];
            end = ovector[1];
        } else if (rc != PCRE2_ERROR_NOMATCH) {
            throw Error("tokenizer: PCRE2 match failed with error " + std::to_string(rc));
        }
        if (begin > pos) pieces.push_back({pos, begin});
        if (end > begin) {
            pieces.push_back({begin, end});
        } else if (begin < text.size()) {  // an empty match: take one character and go on
            end = begin + decodeUtf8(text, begin).length;
            pieces.push_back({begin, end});
        }
        pos = end;
    }
}

void PreTokenizer::split(std::string_view text, std::vector<ByteRange>& pieces) const {
    if (isValidUtf8(text)) {
        impl_->splitValid(text, pieces);
        return;
    }
    const CleanText cleaned = replaceInvalidUtf8(text);
    const size_t first = pieces.size();
    impl_->splitValid(cleaned.clean, pieces);
    for (size_t i = first; i < pieces.size(); ++i) {
        pieces[i] = {cleaned.originalAt[pieces[i].begin], cleaned.originalAt[pieces[i].end]};
    }
}

}  // namespace tscope
