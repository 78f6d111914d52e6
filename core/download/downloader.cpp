#include "core/download/downloader.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QStorageInfo>
#include <QTimer>

#include "core/download/hub_headers.h"
#include "core/download/model_store.h"

namespace tscope::download {

namespace {

constexpr qint64 kHashChunkBytes = 8 << 20;  // rehash a resumed part in slices: the UI stays live
constexpr qint64 kProgressIntervalMs = 100;

QString bytesText(qint64 bytes) {
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

// Errors where the machine never got a connection: no point retrying, tell the user why.
bool isUnreachable(QNetworkReply::NetworkError error) {
    switch (error) {
        case QNetworkReply::HostNotFoundError:
        case QNetworkReply::ConnectionRefusedError:
        case QNetworkReply::NetworkSessionFailedError:
        case QNetworkReply::ProxyNotFoundError:
        case QNetworkReply::ProxyConnectionRefusedError:
        case QNetworkReply::UnknownNetworkError:
            return true;
        default:
            return false;
    }
}

bool isTransientStatus(int status) {
    return status >= 500 || status == 408 || status == 429;
}

bool isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

constexpr int kMaxRedirects = 10;

bool hasAllFiles(const QString& dir) {
    for (const QString& file : modelFileNames()) {
        if (!QFileInfo(QDir(dir).filePath(file)).isFile()) return false;
    }
    return true;
}

}  // namespace

ModelDownloader::ModelDownloader(DownloadOptions options, QObject* parent)
    : QObject(parent),
      options_(std::move(options)),
      network_(new QNetworkAccessManager(this)),
      stallTimer_(new QTimer(this)),
      retryTimer_(new QTimer(this)),
      progressTimer_(new QTimer(this)) {
    stallTimer_->setSingleShot(true);
    retryTimer_->setSingleShot(true);
    progressTimer_->setSingleShot(true);
    connect(progressTimer_, &QTimer::timeout, this, [this] { emitProgress(true); });
    connect(stallTimer_, &QTimer::timeout, this, &ModelDownloader::onStalled);
    connect(retryTimer_, &QTimer::timeout, this, &ModelDownloader::beginFile);
}

ModelDownloader::~ModelDownloader() {
    stopTransfer();
}

QString ModelDownloader::destinationDir(const ModelSpec& spec) const {
    return modelDir(options_.modelsDir, spec.name);
}

bool ModelDownloader::start(const ModelSpec& spec) {
    if (running_) return false;
    stopTransfer();
    spec_ = spec;
    finalDir_ = destinationDir(spec);
    partialDir_ = finalDir_ + kPartialSuffix;
    running_ = true;
    currentFile_ = 0;
    hashedFile_ = -1;
    retriesLeft_ = options_.retries;
    sessionBytes_ = 0;
    lastProgressMs_ = -1;
    rate_.reset();
    clock_.start();

    if (hasAllFiles(finalDir_)) {
        later([this] {
            running_ = false;
            emit finished(finalDir_);
        });
        return true;
    }
    if (QFileInfo::exists(finalDir_)) {
        fail(tr("%1 already exists but is not a complete model; remove it and download again")
                 .arg(finalDir_));
        return true;
    }
    if (!QDir().mkpath(partialDir_)) {
        fail(tr("cannot create the download directory %1").arg(partialDir_));
        return true;
    }

    // files completed by an earlier run were verified before they got their final name
    files_.clear();
    for (const QString& name : modelFileNames()) {
        FileState file{name};
        const QFileInfo done(finalFilePath(name));
        if (done.isFile()) file = {name, done.size(), done.size(), true};
        files_.append(file);
    }
    if (checkDiskSpace()) later([this] { beginFile(); });
    return true;
}

void ModelDownloader::cancel() {
    if (!running_) return;
    stopTransfer();
    running_ = false;
    emit cancelled();
}

// ---- one file: hash what an earlier run left, request the rest, verify, rename --------------

void ModelDownloader::beginFile() {
    while (currentFile_ < files_.size() && files_[currentFile_].done) ++currentFile_;
    if (currentFile_ == files_.size()) {
        completeModel();
        return;
    }
    const qint64 existing = QFileInfo(partPath()).size();  // 0 when absent
    if (hashedFile_ == currentFile_ && current().received == existing) {
        sendRequest();  // a retry: sha256_ already covers the part
        return;
    }
    sha256_.reset();
    current().received = 0;
    hashedFile_ = currentFile_;
    if (existing == 0) {
        sendRequest();
        return;
    }
    existingPart_.setFileName(partPath());
    if (!existingPart_.open(QIODevice::ReadOnly)) {
        fail(tr("cannot read %1: %2").arg(partPath(), existingPart_.errorString()));
        return;
    }
    later([this] { hashExistingChunk(); });
}

void ModelDownloader::hashExistingChunk() {
    const QByteArray chunk = existingPart_.read(kHashChunkBytes);
    if (chunk.isEmpty() && !existingPart_.atEnd()) {
        fail(tr("cannot read %1: %2").arg(partPath(), existingPart_.errorString()));
        return;
    }
    sha256_.addData(chunk);
    current().received += chunk.size();
    emitProgress(false);
    if (!existingPart_.atEnd()) {
        later([this] { hashExistingChunk(); });
        return;
    }
    existingPart_.close();
    sendRequest();
}

void ModelDownloader::sendRequest() {
    part_.setFileName(partPath());
    if (!part_.open(QIODevice::WriteOnly | QIODevice::Append)) {
        fail(tr("cannot write %1: %2").arg(partPath(), part_.errorString()));
        return;
    }
    expectedSha256_.clear();
    linkedSize_ = -1;
    stalled_ = false;
    hops_ = 0;
    firstUrl_ = hubFileUrl(options_.hubUrl, spec_.repo, current().name);
    get(firstUrl_);
    emitProgress(true);
}

void ModelDownloader::get(const QUrl& url) {
    metaHandled_ = false;
    writeBody_ = false;
    status_ = 0;
    QNetworkRequest request(url);
    // Redirects are followed by hand (followRedirect, with Qt's NoLessSafe rule): the hub puts
    // the weights' sha256 on its redirect to the CDN, and Qt's automatic following hides the
    // headers of that redirect response.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    // sizes, ranges and checksums all refer to the file's own bytes, not a gzip of them
    request.setRawHeader("Accept-Encoding", "identity");
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("TransformerScope"));
    if (current().received > 0) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(current().received) + "-");
    }
    reply_ = network_->get(request);
    connect(reply_, &QNetworkReply::metaDataChanged, this, &ModelDownloader::onMetaData);
    connect(reply_, &QNetworkReply::readyRead, this, &ModelDownloader::onReadyRead);
    connect(reply_, &QNetworkReply::finished, this, &ModelDownloader::onReplyFinished);
    stallTimer_->start(options_.stallTimeoutMs);
}

void ModelDownloader::followRedirect(QNetworkReply* reply) {
    const QString file = current().name;
    const QUrl from = reply->url();
    const QUrl to = from.resolved(QUrl::fromEncoded(reply->rawHeader("Location")));
    if (reply->rawHeader("Location").isEmpty() || !to.isValid()) {
        fail(tr("HTTP %1 without a valid Location for %2 (%3)")
                 .arg(status_)
                 .arg(file, from.toString()));
    } else if (++hops_ > kMaxRedirects) {
        fail(tr("too many redirects for %1 (%2)").arg(file, firstUrl_.toString()));
    } else if (to.scheme() != "https" && (to.scheme() != "http" || from.scheme() == "https")) {
        fail(tr("refusing the redirect of %1 from %2 to %3: less secure")
                 .arg(file, from.toString(), to.toString()));
    } else {
        get(to);
    }
}

// The hub publishes the weights' sha256 and size on its resolve answer (the redirect), and
// the CDN that answers last may not repeat them: remember them from the first response.
void ModelDownloader::noteChecksumHeaders(bool resolveResponse) {
    if (expectedSha256_.isEmpty()) {
        expectedSha256_ = sha256FromEtag(reply_->rawHeader("X-Linked-Etag"));
    }
    // a plain ETag counts only on the hub's own answer; a CDN's ETag means something else
    if (expectedSha256_.isEmpty() && resolveResponse) {
        expectedSha256_ = sha256FromEtag(reply_->rawHeader("ETag"));
    }
    if (linkedSize_ < 0) linkedSize_ = parseByteCount(reply_->rawHeader("X-Linked-Size"));
}

void ModelDownloader::onMetaData() {
    if (metaHandled_ || !reply_) return;
    status_ = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    metaHandled_ = true;
    stallTimer_->start(options_.stallTimeoutMs);
    noteChecksumHeaders(hops_ == 0);

    FileState& file = current();
    if (status_ == 200) {
        if (file.received > 0) restartFileFromZero();  // the server ignored our Range
        file.total = parseByteCount(reply_->rawHeader("Content-Length"));
        writeBody_ = true;
    } else if (status_ == 206) {
        const auto range = parseContentRange(reply_->rawHeader("Content-Range"));
        if (!range || range->first != file.received) {
            QFile::remove(partPath());
            hashedFile_ = -1;
            fail(tr("%1 answered a resume request for %2 with the wrong range (\"%3\"); the "
                    "partial file was deleted, download again")
                     .arg(reply_->url().host(), file.name,
                          QString::fromLatin1(reply_->rawHeader("Content-Range"))));
            return;
        }
        file.total = range->total;
        writeBody_ = true;
    }
    // any other status: the body is an error page, onReplyFinished reports it
    emitProgress(true);
}

void ModelDownloader::onReadyRead() {
    if (!reply_ || !reply_->isOpen()) return;  // closed: aborted after a stall
    if (!metaHandled_) onMetaData();
    if (!reply_) return;
    const QByteArray data = reply_->readAll();
    if (data.isEmpty()) return;
    stallTimer_->start(options_.stallTimeoutMs);
    if (!writeBody_) return;

    FileState& file = current();
    if (file.total >= 0 && file.received + data.size() > file.total) {
        QFile::remove(partPath());
        hashedFile_ = -1;
        fail(tr("%1 sent more bytes of %2 than the %3 it announced; the partial file was deleted")
                 .arg(reply_->url().host(), file.name, bytesText(file.total)));
        return;
    }
    if (part_.write(data) != data.size()) {
        fail(tr("cannot write %1: %2").arg(partPath(), part_.errorString()));
        return;
    }
    sha256_.addData(data);
    file.received += data.size();
    sessionBytes_ += data.size();
    retriesLeft_ = options_.retries;  // progress: the allowance counts failures in a row
    emitProgress(false);
}

void ModelDownloader::onStalled() {
    if (!reply_) return;
    stalled_ = true;
    reply_->abort();  // finishes the reply; onReplyFinished reports the time-out
}

void ModelDownloader::onReplyFinished() {
    onReadyRead();  // data that arrived together with the end (or the error)
    if (!reply_ || !running_) return;
    stallTimer_->stop();
    QNetworkReply* reply = reply_;
    reply_ = nullptr;
    reply->deleteLater();
    if (isRedirect(status_) && !stalled_ && reply->error() == QNetworkReply::NoError) {
        followRedirect(reply);
        return;
    }
    if (!part_.flush()) {
        fail(tr("cannot write %1: %2").arg(partPath(), part_.errorString()));
        return;
    }
    part_.close();

    FileState& file = current();
    const QString url = firstUrl_.toString();
    const QString got = bytesText(file.received);
    const QString of = file.total >= 0 ? tr(" of %1").arg(bytesText(file.total)) : QString();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();

    if (stalled_) {
        retryAfter(tr("timed out: no data for %1 s while downloading %2 from %3 (%4%5 received)")
                       .arg(options_.stallTimeoutMs / 1000.0)
                       .arg(file.name, url, got, of));
        return;
    }
    if (status == 416 && file.received > 0) {  // asked past the end: the part may be complete
        const auto range = parseContentRange(reply->rawHeader("Content-Range"));
        if (range && range->total == file.received) {
            file.total = file.received;
            finishFile();
        } else {
            restartFileFromZero();
            beginFile();
        }
        return;
    }
    if (status >= 400) {
        const QString reason =
            reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        const QString message =
            tr("HTTP %1 %2 for %3 (%4)").arg(status).arg(reason, file.name, url);
        if (isTransientStatus(status)) {
            retryAfter(message);
        } else {
            fail(message);
        }
        return;
    }
    if (reply->error() != QNetworkReply::NoError) {
        if (isUnreachable(reply->error())) {
            fail(tr("cannot reach %1 (no network?): %2")
                     .arg(reply->url().host(), reply->errorString()));
        } else {
            retryAfter(tr("download of %1 from %2 interrupted after %3%4: %5")
                           .arg(file.name, url, got, of, reply->errorString()));
        }
        return;
    }
    if (status != 200 && status != 206) {
        fail(tr("unexpected HTTP status %1 for %2 (%3)").arg(status).arg(file.name, url));
        return;
    }
    if (file.total >= 0 && file.received < file.total) {
        retryAfter(tr("connection to %1 closed after %2%3 of %4")
                       .arg(reply->url().host(), got, of, file.name));
        return;
    }
    if (file.total < 0) file.total = file.received;  // no Content-Length: the end is the size
    finishFile();
}

void ModelDownloader::finishFile() {
    FileState& file = current();
    if (linkedSize_ >= 0 && linkedSize_ != file.received) {
        QFile::remove(partPath());
        hashedFile_ = -1;
        fail(tr("size mismatch for %1: the hub lists %2 bytes, received %3; the partial file was "
                "deleted, download again")
                 .arg(file.name)
                 .arg(linkedSize_)
                 .arg(file.received));
        return;
    }
    const QByteArray actual = sha256_.result().toHex();
    if (!expectedSha256_.isEmpty() && actual != expectedSha256_) {
        QFile::remove(partPath());
        hashedFile_ = -1;
        fail(
            tr("checksum mismatch for %1: expected sha256 %2, got %3; the corrupt file was "
               "deleted, download again")
                .arg(file.name, QString::fromLatin1(expectedSha256_), QString::fromLatin1(actual)));
        return;
    }
    if (expectedSha256_.isEmpty() && file.name == kWeightsFile && options_.requireWeightsChecksum) {
        fail(tr("cannot verify %1: %2 published no sha256 for it (expected an X-Linked-Etag "
                "header)")
                 .arg(file.name, firstUrl_.host()));
        return;
    }
    const QString target = finalFilePath(file.name);
    QFile::remove(target);
    if (!QFile::rename(partPath(), target)) {
        fail(tr("cannot rename %1 to %2").arg(partPath(), target));
        return;
    }
    file.done = true;
    hashedFile_ = -1;
    emitProgress(true);
    ++currentFile_;
    later([this] { beginFile(); });
}

// The final rename is the only step that makes a model visible: all or nothing.
void ModelDownloader::completeModel() {
    if (!QDir().rename(partialDir_, finalDir_)) {
        fail(tr("cannot rename %1 to %2").arg(partialDir_, finalDir_));
        return;
    }
    stopTransfer();
    running_ = false;
    emit finished(finalDir_);
}

// ---- failures, retries, bookkeeping ---------------------------------------------------------

bool ModelDownloader::retryAfter(const QString& reason) {
    if (retriesLeft_ <= 0) {
        fail(reason);
        return false;
    }
    --retriesLeft_;
    retryTimer_->start(options_.retryDelayMs);  // beginFile() resumes from the part
    return true;
}

void ModelDownloader::fail(const QString& message) {
    stopTransfer();
    running_ = false;
    // queued: from inside start() the caller must get the outcome after start() returns;
    // a new start() before delivery supersedes this run and its failure
    QTimer::singleShot(0, this, [this, message, generation = generation_] {
        if (generation == generation_ && !running_) emit failed(message);
    });
}

void ModelDownloader::stopTransfer() {
    ++generation_;
    stallTimer_->stop();
    retryTimer_->stop();
    progressTimer_->stop();
    if (reply_) {
        QNetworkReply* reply = reply_;
        reply_ = nullptr;
        disconnect(reply, nullptr, this, nullptr);
        reply->abort();
        reply->deleteLater();
    }
    part_.close();
    existingPart_.close();
}

void ModelDownloader::later(std::function<void()> step) {
    QTimer::singleShot(0, this, [this, step = std::move(step), generation = generation_] {
        if (generation == generation_ && running_) step();
    });
}

void ModelDownloader::restartFileFromZero() {
    part_.resize(0);
    if (!part_.isOpen()) QFile::remove(partPath());
    sha256_.reset();
    hashedFile_ = -1;
    current().received = 0;
}

QString ModelDownloader::partPath() const {
    return QDir(partialDir_).filePath(files_[currentFile_].name + ".part");
}

QString ModelDownloader::finalFilePath(const QString& name) const {
    return QDir(partialDir_).filePath(name);
}

bool ModelDownloader::checkDiskSpace() {
    qint64 present = 0;
    for (const FileState& file : files_) {
        present += file.done ? file.total : QFileInfo(finalFilePath(file.name + ".part")).size();
    }
    const qint64 needed = spec_.approxBytes - present;
    const QStorageInfo storage(partialDir_);
    if (needed <= 0 || !storage.isValid() || storage.bytesAvailable() >= needed) return true;
    fail(tr("not enough disk space in %1: %2 needs about %3 more, %4 free")
             .arg(storage.rootPath(), spec_.name, bytesText(needed),
                  bytesText(storage.bytesAvailable())));
    return false;
}

void ModelDownloader::emitProgress(bool force) {
    if (currentFile_ >= files_.size()) return;
    const qint64 now = clock_.elapsed();
    const qint64 wait = lastProgressMs_ < 0 ? 0 : lastProgressMs_ + kProgressIntervalMs - now;
    if (!force && wait > 0) {
        if (!progressTimer_->isActive()) progressTimer_->start(int(wait));
        return;
    }
    progressTimer_->stop();
    lastProgressMs_ = now;
    rate_.add(now, sessionBytes_);

    qint64 received = 0, known = 0, unknownReceived = 0;
    bool anyUnknown = false;
    for (const FileState& file : files_) {
        received += file.received;
        if (file.total >= 0) {
            known += file.total;
        } else {
            anyUnknown = true;
            unknownReceived += file.received;
        }
    }
    // files whose size no response has told yet: the catalog's estimate stands in for them
    qint64 total = known;
    if (anyUnknown) {
        total =
            spec_.approxBytes > 0 ? known + qMax(spec_.approxBytes - known, unknownReceived) : -1;
    }
    const double rate = rate_.bytesPerSecond();
    const double secondsLeft = (rate > 0 && total >= 0) ? double(total - received) / rate : -1.0;
    const FileState& file = files_[currentFile_];
    emit progress(file.name, file.received, file.total, received, total, rate, secondsLeft);
}

}  // namespace tscope::download
