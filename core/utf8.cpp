#include "core/utf8.h"

#include <cstdint>

#include "core/tokenizer.h"

namespace tscope {

namespace {

// The accepted range of a character's second byte depends on its first byte (WHATWG): this is
// what rules out overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
struct LeadByte {
    int continuationBytes = -1;  // -1: cannot start a character
    uint8_t secondLow = 0x80;
    uint8_t secondHigh = 0xBF;
    char32_t payload = 0;
};

LeadByte classifyLead(uint8_t b) {
    if (b >= 0xC2 && b <= 0xDF) return {1, 0x80, 0xBF, char32_t(b & 0x1F)};
    if (b >= 0xE0 && b <= 0xEF) {
        uint8_t low = b == 0xE0 ? 0xA0 : 0x80;
        uint8_t high = b == 0xED ? 0x9F : 0xBF;
        return {2, low, high, char32_t(b & 0x0F)};
    }
    if (b >= 0xF0 && b <= 0xF4) {
        uint8_t low = b == 0xF0 ? 0x90 : 0x80;
        uint8_t high = b == 0xF4 ? 0x8F : 0xBF;
        return {3, low, high, char32_t(b & 0x07)};
    }
    return {};
}

}  // namespace

Utf8Step decodeUtf8(std::string_view bytes, size_t pos) {
    const auto lead = static_cast<uint8_t>(bytes[pos]);
    if (lead < 0x80) return {lead, 1, true};
    const LeadByte info = classifyLead(lead);
    if (info.continuationBytes < 0) return {0, 1, false};
    char32_t cp = info.payload;
    for (int k = 1; k <= info.continuationBytes; ++k) {
        const size_t at = pos + k;
        if (at >= bytes.size()) return {0, size_t(k), false};
        const auto b = static_cast<uint8_t>(bytes[at]);
        const uint8_t low = k == 1 ? info.secondLow : 0x80;
        const uint8_t high = k == 1 ? info.secondHigh : 0xBF;
        if (b < low || b > high) return {0, size_t(k), false};
        cp = (cp << 6) | (b & 0x3F);
    }
    return {cp, size_t(info.continuationBytes) + 1, true};
}

size_t firstInvalidUtf8(std::string_view bytes) {
    size_t pos = 0;
    while (pos < bytes.size()) {
        if (static_cast<uint8_t>(bytes[pos]) < 0x80) {  // ASCII fast path
            ++pos;
            continue;
        }
        const Utf8Step step = decodeUtf8(bytes, pos);
        if (!step.valid) return pos;
        pos += step.length;
    }
    return std::string_view::npos;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

std::string sanitizeUtf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    size_t pos = 0;
    while (pos < bytes.size()) {
        const Utf8Step step = decodeUtf8(bytes, pos);
        if (step.valid) {
            out.append(bytes.substr(pos, step.length));
        } else {
            appendUtf8(out, kReplacementChar);
        }
        pos += step.length;
    }
    return out;
}

}  // namespace tscope
