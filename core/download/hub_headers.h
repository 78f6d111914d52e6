// Reading what an HTTP response says about the file it carries: Content-Range of a resumed
// transfer, and the sha256 the Hugging Face hub publishes in X-Linked-Etag / ETag.
#pragma once

#include <QByteArray>
#include <optional>

namespace tscope::download {

// "bytes <first>-<last>/<total>" (a 206 answer) or "bytes */<total>" (a 416 answer, first and
// last are -1). total is -1 when the server wrote "*".
struct ContentRange {
    qint64 first = -1;
    qint64 last = -1;
    qint64 total = -1;
};
std::optional<ContentRange> parseContentRange(const QByteArray& header);

// The lower-case hex sha256 in an ETag-style value ("\"<64 hex>\"", optionally W/-prefixed),
// or empty when the value is not a sha256 (the hub's ETag of a small, non-LFS file is a 40-hex
// git blob id, which must not be mistaken for a checksum).
QByteArray sha256FromEtag(const QByteArray& etag);

// A non-negative decimal integer header (X-Linked-Size, Content-Length), else -1.
qint64 parseByteCount(const QByteArray& header);

}  // namespace tscope::download
