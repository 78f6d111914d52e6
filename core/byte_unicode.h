// GPT-2's bytes_to_unicode table, both ways. Every byte value gets one printable character so
// that vocab.json and merges.txt can be text: printable Latin-1 bytes map to themselves, the 68
// others (controls, space, 0x7F-0xA0, 0xAD) to U+0100..U+0143 in byte order, e.g. ' ' -> 'Ġ'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tscope {

// The character that stands for byte b.
char32_t byteToUnicode(uint8_t b);

// The byte a character stands for, or -1 if it is not one of the 256 table characters.
int unicodeToByte(char32_t c);

// Bytes -> vocab spelling (UTF-8 of the mapped characters), e.g. " power" -> "Ġpower".
std::string bytesToVocabString(std::string_view bytes);

// Vocab spelling -> bytes; nullopt if it holds a character outside the table (or is not UTF-8).
std::optional<std::string> vocabStringToBytes(std::string_view vocabString);

}  // namespace tscope
