// UTF-8 decoding as the WHATWG Encoding Standard does it: strict (no overlongs, no surrogates,
// nothing past U+10FFFF), and an invalid input is consumed one "maximal subpart" at a time, so
// each maximal invalid subsequence becomes exactly one U+FFFD (like Python's errors="replace").
// sanitizeUtf8 itself is declared in core/tokenizer.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tscope {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct Utf8Step {
    char32_t codePoint = 0;  // meaningful only when valid
    size_t length = 0;       // bytes consumed, >= 1 (an invalid subpart when !valid)
    bool valid = false;
};

// Decodes the character (or the maximal invalid subpart) that starts at bytes[pos] < size.
Utf8Step decodeUtf8(std::string_view bytes, size_t pos);

// Offset of the first byte that is not part of a valid character, or npos if all is valid.
size_t firstInvalidUtf8(std::string_view bytes);
inline bool isValidUtf8(std::string_view bytes) {
    return firstInvalidUtf8(bytes) == std::string_view::npos;
}

// Appends the UTF-8 encoding of a Unicode scalar value.
void appendUtf8(std::string& out, char32_t codePoint);

}  // namespace tscope
