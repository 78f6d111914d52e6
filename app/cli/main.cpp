// tscope-cli: the engine without a GUI. Every subcommand prints one JSON document on stdout; any
// error prints one line "tscope-cli: error: ..." on stderr and exits with a non-zero code.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/json_out.h"
#include "core/build_info.h"

namespace {

// One line, whatever the message holds.
void printError(std::string message) {
    for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
    std::cerr << "tscope-cli: error: " << message << std::endl;
}

// CLI11 would only say "a subcommand is required" for a misspelt one.
void checkSubcommandName(int argc, char** argv, const std::vector<tscope::cli::Command>& commands) {
    if (argc < 2 || argv[1][0] == '-') return;
    for (const auto& command : commands)
        if (command.app->check_name(argv[1])) return;
    throw CLI::ValidationError(
        std::string("unknown subcommand '") + argv[1] +
        "' (expected info, tokenize, run, generate, heads, patch or download)");
}

int runCli(int argc, char** argv) {
    CLI::App app{"TransformerScope headless: inspect GPT-2 models, JSON on stdout", "tscope-cli"};
    bool compact = false;
    app.add_flag("--compact", compact, "print JSON on one line");
    std::string version = tscope::versionText("tscope-cli");
    version.pop_back();  // CLI11 ends the line itself
    app.set_version_flag("--version", version);
    app.require_subcommand(1);
    app.fallthrough();  // --compact may also follow the subcommand
    std::vector<tscope::cli::Command> commands = {
        tscope::cli::addInfoCommand(app),     tscope::cli::addTokenizeCommand(app),
        tscope::cli::addRunCommand(app),      tscope::cli::addGenerateCommand(app),
        tscope::cli::addHeadsCommand(app),    tscope::cli::addPatchCommand(app),
#ifdef TSCOPE_HAVE_DOWNLOAD
        tscope::cli::addDownloadCommand(app),
#endif
    };
    try {
        checkSubcommandName(argc, argv, commands);
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        printError(std::string(e.what()) + " (see tscope-cli --help)");
        return e.get_exit_code() != 0 ? e.get_exit_code() : 2;
    }
    for (const auto& command : commands)
        if (command.app->parsed()) tscope::cli::printJson(command.run(), compact);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return runCli(argc, argv);
    } catch (const std::exception& e) {
        printError(e.what());
    } catch (...) {
        printError("unexpected failure");
    }
    return 1;
}
