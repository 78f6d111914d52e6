// A small stand-in for the Hugging Face hub, listening on 127.0.0.1 inside the test process.
// It serves files under /<repo>/resolve/main/<file> the way the hub does (Content-Length, Range
// → 206 / 416, the weights' sha256 in X-Linked-Etag and size in X-Linked-Size, a 40-hex git id
// as the ETag of small files) and can be told to misbehave per file: answer an error status,
// cut the connection after K bytes, stall, publish a wrong sha256, redirect to a "CDN" path, or
// ignore Range. Every request is recorded. One response per connection (Connection: close).
// Header-only and without Q_OBJECT, so each test executable can include it as it is.
#pragma once

#include <QCryptographicHash>
#include <QFile>
#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QTcpServer>
#include <QTcpSocket>

// The four files of the fixture model (tiny-gpt2 with the bundled GPT-2 tokenizer), by name.
inline QMap<QString, QString> fixtureModelFiles() {
    const QString model = TSCOPE_FIXTURES "/tiny-gpt2/";
    const QString tokenizer = TSCOPE_SOURCE_DIR "/resources/gpt2-tokenizer/";
    return {{"config.json", model + "config.json"},
            {"model.safetensors", model + "model.safetensors"},
            {"vocab.json", tokenizer + "vocab.json"},
            {"merges.txt", tokenizer + "merges.txt"}};
}

class FakeHub {
  public:
    struct Fault {
        int status = 0;               // answer this HTTP status (e.g. 404) instead of the file
        qint64 cutAfterBytes = -1;    // close the connection after this many body bytes...
        int cutTimes = 1;             // ...in this many responses, then serve normally
        qint64 stallAfterBytes = -1;  // send headers and this many body bytes, then nothing
        bool wrongSha256 = false;     // publish the sha256 of something else
        bool redirect = false;        // 302 to /cdn/<file>; only the 302 carries X-Linked-*
        bool ignoreRange = false;     // answer 200 with the whole file even to a Range request
    };
    struct Request {
        QByteArray method;
        QByteArray path;
        QByteArray range;  // the Range header, empty when absent
    };

    // files: file name → path on disk, served under /<repo>/resolve/main/<name>.
    FakeHub(QString repo, const QMap<QString, QString>& files) : repo_(std::move(repo)) {
        for (auto it = files.begin(); it != files.end(); ++it) {
            QFile file(it.value());
            if (file.open(QIODevice::ReadOnly)) content_[it.key()] = file.readAll();
        }
        QObject::connect(&server_, &QTcpServer::newConnection, &server_, [this] { accept(); });
    }

    bool listen() { return server_.listen(QHostAddress::LocalHost, 0); }
    void close() { server_.close(); }
    quint16 port() const { return server_.serverPort(); }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(port()); }
    bool hasFile(const QString& name) const { return content_.contains(name); }
    QByteArray content(const QString& name) const { return content_.value(name); }

    void setFault(const QString& file, const Fault& fault) { faults_[file] = fault; }
    void clearFaults() { faults_.clear(); }

    QList<Request> requests;
    // Requests whose path ends with /<file> (the resolve URL and the CDN path alike).
    QList<Request> requestsFor(const QString& file) const {
        QList<Request> matching;
        for (const Request& r : requests) {
            if (r.path.endsWith("/" + file.toUtf8())) matching.append(r);
        }
        return matching;
    }

  private:
    void accept() {
        while (QTcpSocket* socket = server_.nextPendingConnection()) {
            QObject::connect(socket, &QTcpSocket::disconnected, socket, [this, socket] {
                pending_.remove(socket);
                socket->deleteLater();
            });
            QObject::connect(socket, &QTcpSocket::readyRead, socket,
                             [this, socket] { onReadyRead(socket); });
        }
    }

    void onReadyRead(QTcpSocket* socket) {
        QByteArray& buffer = pending_[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        pending_.remove(socket);
        QObject::disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);

        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        Request request{requestLine.value(0), requestLine.value(1), {}};
        for (const QByteArray& line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "range") {
                request.range = line.mid(colon + 1).trimmed();
            }
        }
        requests.append(request);
        respond(socket, request);
    }

    void respond(QTcpSocket* socket, const Request& request) {
        const QByteArray hubPrefix = "/" + repo_.toUtf8() + "/resolve/main/";
        const bool viaCdn = request.path.startsWith("/cdn/");
        const QString name =
            QString::fromUtf8(viaCdn ? request.path.mid(5) : request.path.mid(hubPrefix.size()));
        if ((!viaCdn && !request.path.startsWith(hubPrefix)) || !content_.contains(name)) {
            send(socket, 404, "Not Found", {}, "Entry not found");
            return;
        }
        Fault& fault = faults_[name];
        if (fault.status != 0) {
            send(socket, fault.status, "Error", {}, "injected error");
            return;
        }
        const QByteArray& data = content_[name];
        QList<QByteArray> hubHeaders;  // what the hub's resolve answer says about an LFS file
        if (name.endsWith(".safetensors")) {
            const QByteArray sha = fault.wrongSha256 ? sha256(data + "tampered") : sha256(data);
            hubHeaders = {"X-Linked-Etag: \"" + sha + "\"",
                          "X-Linked-Size: " + QByteArray::number(data.size())};
        }
        if (fault.redirect && !viaCdn) {
            hubHeaders.append("Location: " + baseUrl().toUtf8() + "/cdn/" + name.toUtf8());
            send(socket, 302, "Found", hubHeaders, {});
            return;
        }
        QList<QByteArray> headers;
        if (viaCdn) {
            headers.append("ETag: \"cdn-object-7\"");  // a CDN's ETag is no checksum
        } else {
            headers = hubHeaders;
            headers.append("ETag: \"" + (hubHeaders.isEmpty() ? gitId(data) : sha256(data)) + "\"");
        }
        serveBytes(socket, request, fault, data, headers);
    }

    void serveBytes(QTcpSocket* socket, const Request& request, Fault& fault,
                    const QByteArray& data, QList<QByteArray> headers) {
        const qint64 size = data.size();
        qint64 first = 0;
        int status = 200;
        QByteArray reason = "OK";
        if (request.range.startsWith("bytes=") && request.range.endsWith('-') &&
            !fault.ignoreRange) {
            first = request.range.mid(6, request.range.size() - 7).toLongLong();
            if (first >= size) {
                headers.append("Content-Range: bytes */" + QByteArray::number(size));
                send(socket, 416, "Range Not Satisfiable", headers, {});
                return;
            }
            status = 206;
            reason = "Partial Content";
            headers.append("Content-Range: bytes " + QByteArray::number(first) + "-" +
                           QByteArray::number(size - 1) + "/" + QByteArray::number(size));
        }
        headers.append("Accept-Ranges: bytes");
        const QByteArray body = data.mid(first);
        if (fault.stallAfterBytes >= 0) {  // headers and a little, then silence, socket open
            writeHead(socket, status, reason, headers, body.size());
            socket->write(body.left(fault.stallAfterBytes));
            return;
        }
        if (fault.cutAfterBytes >= 0 && fault.cutTimes > 0) {
            --fault.cutTimes;
            writeHead(socket, status, reason, headers, body.size());
            socket->write(body.left(fault.cutAfterBytes));
            socket->disconnectFromHost();  // after the bytes written so far
            return;
        }
        send(socket, status, reason, headers, body);
    }

    static void writeHead(QTcpSocket* socket, int status, const QByteArray& reason,
                          const QList<QByteArray>& headers, qint64 contentLength) {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + " " + reason + "\r\n";
        for (const QByteArray& header : headers) head += header + "\r\n";
        head += "Content-Length: " + QByteArray::number(contentLength) + "\r\n";
        head += "Connection: close\r\n\r\n";
        socket->write(head);
    }

    static void send(QTcpSocket* socket, int status, const QByteArray& reason,
                     const QList<QByteArray>& headers, const QByteArray& body) {
        writeHead(socket, status, reason, headers, body.size());
        socket->write(body);
        socket->disconnectFromHost();
    }

    static QByteArray sha256(const QByteArray& data) {
        return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
    }
    // the hub's ETag for a small file: the git blob id (sha1 of "blob <size>\0<content>")
    static QByteArray gitId(const QByteArray& data) {
        const QByteArray blob = "blob " + QByteArray::number(data.size()) + '\0' + data;
        return QCryptographicHash::hash(blob, QCryptographicHash::Sha1).toHex();
    }

    QString repo_;
    QMap<QString, QByteArray> content_;
    QMap<QString, Fault> faults_;
    QMap<QTcpSocket*, QByteArray> pending_;
    // last, so it goes first: its sockets' dying signals still find the maps above alive
    QTcpServer server_;
};
