// `tscope-cli download NAME`: fetch a Hugging Face GPT-2 (gpt2, distilgpt2, gpt2-medium, ...)
// into the user's models directory, progress on stderr, the result as JSON.
#ifdef TSCOPE_HAVE_DOWNLOAD

#include <QCoreApplication>
#include <cstdio>

#include "app/cli/commands.h"
#include "core/download/blocking_download.h"
#include "core/download/catalog.h"
#include "core/error.h"

namespace tscope::cli {

Command addDownloadCommand(CLI::App& app) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "download", "download gpt2, distilgpt2, gpt2-medium, gpt2-large or gpt2-xl (resumable)");
    cmd->add_option("NAME", *name, "catalog name or Hugging Face repository")->required();
    return {cmd, [name] {
                int argc = 1;
                char arg0[] = "tscope-cli";
                char* argv[] = {arg0, nullptr};
                QCoreApplication qt(argc, argv);  // the downloader needs an event loop
                auto result = download::downloadModelBlocking(
                    QString::fromStdString(*name), {}, [](const download::DownloadProgress& p) {
                        std::fprintf(stderr, "\r%s   ", qPrintable(download::describeProgress(p)));
                    });
                std::fprintf(stderr, "\n");
                if (!result.ok) throw Error(result.message.toStdString());
                return nlohmann::ordered_json{{"name", *name},
                                              {"model_dir", result.modelDir.toStdString()}};
            }};
}

}  // namespace tscope::cli

#endif
