#include "core/byte_unicode.h"

#include <array>

#include "core/utf8.h"

namespace tscope {

namespace {

// Bytes that are printable and not a space map to themselves (as in OpenAI's encoder.py).
constexpr bool mapsToItself(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
    std::array<char32_t, 256> toUnicode{};
    std::array<int16_t, 0x144> toByte{};  // every table character is below U+0144
};

constexpr Tables makeTables() {
    Tables t;
    for (auto& b : t.toByte) b = -1;
    int next = 0;  // the others take U+0100, U+0101, ... in byte order
    for (int b = 0; b < 256; ++b) {
        const char32_t c = mapsToItself(b) ? char32_t(b) : char32_t(0x100 + next++);
        t.toUnicode[b] = c;
        t.toByte[c] = int16_t(b);
    }
    return t;
}

constexpr Tables kTables = makeTables();
static_assert(kTables.toUnicode[' '] == 0x120);   // 'Ġ'
static_assert(kTables.toUnicode['\n'] == 0x10A);  // 'Ċ'
static_assert(kTables.toUnicode[0xAD] == 0x143);  // the last one

}  // namespace

char32_t byteToUnicode(uint8_t b) {
    return kTables.toUnicode[b];
}

int unicodeToByte(char32_t c) {
    return c < kTables.toByte.size() ? kTables.toByte[c] : -1;
}

std::string bytesToVocabString(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char b : bytes) appendUtf8(out, byteToUnicode(static_cast<uint8_t>(b)));
    return out;
}

std::optional<std::string> vocabStringToBytes(std::string_view vocabString) {
    std::string out;
    out.reserve(vocabString.size());
    size_t pos = 0;
    while (pos < vocabString.size()) {
        const Utf8Step step = decodeUtf8(vocabString, pos);
        const int b = step.valid ? unicodeToByte(step.codePoint) : -1;
        if (b < 0) return std::nullopt;
        out += char(b);
        pos += step.length;
    }
    return out;
}

}  // namespace tscope
