#include "core/download/hub_headers.h"

#include <QByteArrayList>

namespace tscope::download {

namespace {

bool isDigits(const QByteArray& s) {
    if (s.isEmpty() || s.size() > 18) return false;  // 18 digits cannot overflow qint64
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

bool isHex(const QByteArray& s) {
    for (char c : s) {
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex) return false;
    }
    return true;
}

}  // namespace

qint64 parseByteCount(const QByteArray& header) {
    const QByteArray s = header.trimmed();
    return isDigits(s) ? s.toLongLong() : -1;
}

std::optional<ContentRange> parseContentRange(const QByteArray& header) {
    const QByteArray s = header.trimmed();
    if (!s.startsWith("bytes ")) return std::nullopt;
    const QByteArrayList rangeAndTotal = s.mid(6).trimmed().split('/');
    if (rangeAndTotal.size() != 2) return std::nullopt;
    const QByteArray range = rangeAndTotal[0].trimmed(), total = rangeAndTotal[1].trimmed();

    ContentRange result;
    if (total != "*") {
        if (!isDigits(total)) return std::nullopt;
        result.total = total.toLongLong();
    }
    if (range == "*") return result.total >= 0 ? std::optional(result) : std::nullopt;

    const QByteArrayList firstLast = range.split('-');
    if (firstLast.size() != 2 || !isDigits(firstLast[0]) || !isDigits(firstLast[1])) {
        return std::nullopt;
    }
    result.first = firstLast[0].toLongLong();
    result.last = firstLast[1].toLongLong();
    if (result.last < result.first) return std::nullopt;
    if (result.total >= 0 && result.last >= result.total) return std::nullopt;
    return result;
}

QByteArray sha256FromEtag(const QByteArray& etag) {
    QByteArray s = etag.trimmed();
    if (s.startsWith("W/")) s = s.mid(2);
    if (s.size() >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.mid(1, s.size() - 2);
    if (s.size() != 64 || !isHex(s)) return {};
    return s.toLower();
}

}  // namespace tscope::download
