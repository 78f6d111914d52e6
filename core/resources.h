// Where the files that ship with TransformerScope live: the bundled models, the GPT-2 tokenizer
// and the example sessions. They sit in one data directory that is found at run time from the
// executable's own location, so an installed copy works at any prefix (and after being moved),
// and no path of the build machine is compiled in.
//
// Layout of the data directory (the install rules in packaging/CMakeLists.txt make it):
//   gpt2-tokenizer/{vocab.json,merges.txt}   resources/gpt2-tokenizer
//   sessions/…, any other entry              the rest of resources/ (resources.qrc excepted)
//   models/default/…                         models/default
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace tscope::resources {

// The environment variable that, when set and not empty, names the data directory outright.
inline constexpr const char* kDataDirVariable = "TSCOPE_DATA_DIR";

// $TSCOPE_DATA_DIR if set, else <directory of the running executable>/../share/tscope.
// Installed: /usr/bin/tscope → /usr/share/tscope. Build tree: build/app/tscope →
// build/share/tscope, which CMake fills with links to the source tree's resources/ and
// models/default. The directory may not exist; find() and the functions below check.
std::filesystem::path dataDir();

// dataDir() / relative when that file or directory exists.
std::optional<std::filesystem::path> find(const std::filesystem::path& relative);

// The bundled model NAME (dataDir()/models/NAME, holding config.json), e.g. "default".
std::optional<std::filesystem::path> bundledModel(const std::string& name);

// The bundled GPT-2 tokenizer directory when both vocab.json and merges.txt are there.
std::optional<std::filesystem::path> gpt2TokenizerDir();

// What a command line's model argument names: an existing path as it is; otherwise a bundled
// model of that name ("default"); otherwise the argument unchanged, for the loader to reject.
std::filesystem::path resolveModelArgument(const std::string& argument);

}  // namespace tscope::resources
