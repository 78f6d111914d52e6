// The tscope-cli subcommands. Each add*Command registers its options on the app and returns the
// function that runs it (after parsing) and returns the JSON document to print.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>

namespace tscope::cli {

struct Command {
    CLI::App* app = nullptr;
    std::function<nlohmann::ordered_json()> run;
};

Command addInfoCommand(CLI::App& app);
Command addTokenizeCommand(CLI::App& app);
Command addRunCommand(CLI::App& app);
Command addGenerateCommand(CLI::App& app);
Command addHeadsCommand(CLI::App& app);
Command addPatchCommand(CLI::App& app);
#ifdef TSCOPE_HAVE_DOWNLOAD
Command addDownloadCommand(CLI::App& app);
#endif

}  // namespace tscope::cli
