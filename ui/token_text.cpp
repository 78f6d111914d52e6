#include "ui/token_text.h"

#include "core/tokenizer.h"

namespace tscope::ui {

QString visibleText(std::string_view utf8) {
    QString text = QString::fromStdString(sanitizeUtf8(utf8));
    text.replace(' ', QChar(0x00B7));   // ·
    text.replace('\n', QChar(0x21B5));  // ↵
    text.replace('\r', QString());
    text.replace('\t', QChar(0x2192));  // →
    return text;
}

QString tokenPiece(const Tokenizer* tokenizer, int id) {
    if (!tokenizer || !tokenizer->hasId(id)) return "#" + QString::number(id);
    const std::string bytes = tokenizer->tokenBytes(id);
    // part of a multi-byte character: its bytes say more than a replacement character would
    if (sanitizeUtf8(bytes) != bytes) return QString("‹%1›").arg(hexBytes(bytes));
    return visibleText(bytes);
}

QString hexBytes(std::string_view bytes) {
    QString hex;
    for (unsigned char b : bytes) {
        if (!hex.isEmpty()) hex += ' ';
        hex += QString::asprintf("%02X", b);
    }
    return hex;
}

int utf16Index(std::string_view utf8, size_t byte, bool roundUp) {
    int index = 0;
    size_t i = 0;
    while (i < utf8.size() && i < byte) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        const size_t length = lead < 0x80         ? 1
                              : lead >> 5 == 0x6  ? 2
                              : lead >> 4 == 0xE  ? 3
                              : lead >> 3 == 0x1E ? 4
                                                  : 1;
        if (i + length > byte && !roundUp) break;  // byte falls inside this character
        index += length == 4 ? 2 : 1;              // outside the BMP: a surrogate pair
        i += length;
    }
    return index;
}

}  // namespace tscope::ui
