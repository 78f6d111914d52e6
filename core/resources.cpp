#include "core/resources.h"

#include <cstdlib>
#include <system_error>

namespace tscope::resources {

namespace fs = std::filesystem;

namespace {

// The running executable's directory. Linux-only (/proc), like the rest of the app.
fs::path executableDir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path(ec) : exe.parent_path();
}

bool present(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

}  // namespace

fs::path dataDir() {
    const char* overridden = std::getenv(kDataDirVariable);
    if (overridden && *overridden) return fs::path(overridden);
    return (executableDir().parent_path() / "share" / "tscope").lexically_normal();
}

std::optional<fs::path> find(const fs::path& relative) {
    fs::path path = dataDir() / relative;
    if (!present(path)) return std::nullopt;
    return path;
}

std::optional<fs::path> bundledModel(const std::string& name) {
    // a name, not a path: "../x" or "a/b" would reach outside models/
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        return std::nullopt;
    auto dir = find(fs::path("models") / name);
    if (!dir || !present(*dir / "config.json")) return std::nullopt;
    return dir;
}

std::optional<fs::path> gpt2TokenizerDir() {
    auto dir = find("gpt2-tokenizer");
    if (!dir || !present(*dir / "vocab.json") || !present(*dir / "merges.txt")) return std::nullopt;
    return dir;
}

fs::path resolveModelArgument(const std::string& argument) {
    if (present(argument)) return argument;
    if (auto bundled = bundledModel(argument)) return *bundled;
    return argument;
}

}  // namespace tscope::resources
