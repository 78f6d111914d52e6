// Running the real tscope-cli (TSCOPE_CLI) from a test: arguments and standard input in, exit
// code, stdout and stderr out; and the check that an error is one line on stderr.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tscope::testing {

struct CliResult {
    int exitCode = -1;
    std::string out, err;
    nlohmann::json document() const { return nlohmann::json::parse(out); }
};

// stdout and stderr go to files, so large outputs cannot dead-lock on a pipe.
CliResult runCli(const std::vector<std::string>& args, const std::string& input = "");

// An error is a non-zero exit code, nothing on stdout and one line on stderr mentioning `mentions`.
void expectOneLineError(const CliResult& r, const std::string& mentions);

}  // namespace tscope::testing
