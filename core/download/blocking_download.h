// Headless download for the command line: runs a ModelDownloader in a local QEventLoop and
// returns when it is done. Needs a QCoreApplication (or QApplication) to exist, e.g.
//
//     QCoreApplication app(argc, argv);
//     auto result = tscope::download::downloadModelBlocking("gpt2", {}, [](const auto& p) {
//         std::fprintf(stderr, "\r%s", qPrintable(describeProgress(p)));
//     });
//     if (!result.ok) { std::fprintf(stderr, "%s\n", qPrintable(result.message)); return 1; }
//     // result.modelDir is ready for tscope::loadModel
#pragma once

#include <QString>
#include <functional>

#include "core/download/downloader.h"

namespace tscope::download {

struct DownloadProgress {
    QString file;
    qint64 fileReceived = 0;
    qint64 fileTotal = -1;  // -1 while unknown
    qint64 overallReceived = 0;
    qint64 overallTotal = -1;  // -1 while unknown
    double bytesPerSecond = 0;
    double secondsLeft = -1;  // -1 while unknown
};

struct DownloadResult {
    bool ok = false;
    QString modelDir;  // set when ok
    QString message;   // set when not ok: a sentence to print as it is
};

using ProgressCallback = std::function<void(const DownloadProgress&)>;

// name: a catalog name ("gpt2") or repository ("openai-community/gpt2"); an unknown name fails
// with a message listing the catalog. Returns at once when the model is already installed.
DownloadResult downloadModelBlocking(const QString& name, const DownloadOptions& options = {},
                                     const ProgressCallback& onProgress = {});
// The same for any repository laid out like GPT-2 (tests use it with a local server).
DownloadResult downloadModelBlocking(const ModelSpec& spec, const DownloadOptions& options = {},
                                     const ProgressCallback& onProgress = {});

// SI units with one decimal, e.g. "548.1 MB" (the hub and browsers count in 1000s).
QString bytesText(qint64 bytes);

// One line for a terminal, e.g.
// "model.safetensors  123.4 MB of 548.1 MB (23%)  12.3 MB/s  35 s left".
QString describeProgress(const DownloadProgress& progress);

}  // namespace tscope::download
