#include "core/download/blocking_download.h"

#include <QEventLoop>
#include <QLocale>
#include <QStringList>

namespace tscope::download {

QString bytesText(qint64 bytes) {
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

namespace {

QString durationText(double seconds) {
    const qint64 s = qint64(seconds + 0.5);
    if (s < 60) return QStringLiteral("%1 s").arg(s);
    if (s < 3600) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

QString catalogNames() {
    QStringList names;
    for (const ModelSpec& spec : modelCatalog()) names.append(spec.name);
    return names.join(", ");
}

}  // namespace

DownloadResult downloadModelBlocking(const QString& name, const DownloadOptions& options,
                                     const ProgressCallback& onProgress) {
    const auto spec = findModel(name);
    if (!spec) {
        return {false,
                {},
                QStringLiteral("unknown model \"%1\"; available: %2").arg(name, catalogNames())};
    }
    return downloadModelBlocking(*spec, options, onProgress);
}

DownloadResult downloadModelBlocking(const ModelSpec& spec, const DownloadOptions& options,
                                     const ProgressCallback& onProgress) {
    ModelDownloader downloader(options);
    QEventLoop loop;
    DownloadResult result;
    QObject::connect(
        &downloader, &ModelDownloader::progress,
        [&](const QString& file, qint64 fileReceived, qint64 fileTotal, qint64 overallReceived,
            qint64 overallTotal, double rate, double secondsLeft) {
            if (onProgress) {
                onProgress({file, fileReceived, fileTotal, overallReceived, overallTotal, rate,
                            secondsLeft});
            }
        });
    QObject::connect(&downloader, &ModelDownloader::finished, &loop, [&](const QString& dir) {
        result = {true, dir, {}};
        loop.quit();
    });
    QObject::connect(&downloader, &ModelDownloader::failed, &loop, [&](const QString& message) {
        result = {false, {}, message};
        loop.quit();
    });
    QObject::connect(&downloader, &ModelDownloader::cancelled, &loop, [&] {
        result = {false, {}, QStringLiteral("download cancelled")};
        loop.quit();
    });
    downloader.start(spec);
    loop.exec();
    return result;
}

QString describeProgress(const DownloadProgress& p) {
    QString line = p.file + "  " + bytesText(p.overallReceived);
    if (p.overallTotal > 0) {
        line += QStringLiteral(" of %1 (%2%)")
                    .arg(bytesText(p.overallTotal))
                    .arg(qint64(100.0 * double(p.overallReceived) / double(p.overallTotal)));
    }
    if (p.bytesPerSecond > 0) line += "  " + bytesText(qint64(p.bytesPerSecond)) + "/s";
    if (p.secondsLeft >= 0) line += "  " + durationText(p.secondsLeft) + " left";
    return line;
}

}  // namespace tscope::download
