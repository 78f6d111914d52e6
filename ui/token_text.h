// How a token's text is shown to people: whitespace made visible (space ·, newline ↵, tab →),
// bytes as hex, and conversions between byte offsets of the UTF-8 text and QString positions.
#pragma once

#include <QString>
#include <string>
#include <string_view>

namespace tscope {
class Tokenizer;
}

namespace tscope::ui {

// UTF-8 (invalid bytes become U+FFFD) with whitespace made visible.
QString visibleText(std::string_view utf8);
// A token's piece for chips, bars and labels; "#id" without a tokenizer; "‹E6 9D›" for the
// bytes of a token that is only part of a UTF-8 character.
QString tokenPiece(const Tokenizer* tokenizer, int id);
// "61 70 70 65 72": the raw bytes a token stands for.
QString hexBytes(std::string_view bytes);
// QString (UTF-16) index of a byte offset into a UTF-8 string. A byte inside a multi-byte
// character maps to that character's start, or past it when roundUp is set.
int utf16Index(std::string_view utf8, size_t byte, bool roundUp = false);

}  // namespace tscope::ui
