// Shared by the fuzz harnesses: a per-process scratch directory for parsers that only read
// files, and a check that aborts (so libFuzzer and the replay driver both report the input).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace tscope::fuzz {

// A property the harness asserts; failing it is a finding, like a crash.
inline void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
}

// $TMPDIR/tscope-fuzz-<pid>, created on first use and removed at exit.
inline const std::filesystem::path& scratchDir() {
    static const std::filesystem::path dir = [] {
        auto d =
            std::filesystem::temp_directory_path() / ("tscope-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] { std::filesystem::remove_all(scratchDir()); });
        return d;
    }();
    return dir;
}

// Writes `bytes` to scratchDir()/name and returns the path.
inline std::filesystem::path writeScratch(const std::string& name, std::string_view bytes) {
    const auto path = scratchDir() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    out.close();
    check(bool(out), "cannot write the scratch file");
    return path;
}

inline std::string_view asText(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace tscope::fuzz
