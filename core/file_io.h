// Opening user-supplied files without trusting them: only regular files are read (a directory,
// FIFO, socket or device named as a model, config, tokenizer or session file is refused at once
// instead of blocking or reading forever), and every read has a size cap that fits its format.
// Errors are tscope::Error naming the file and the problem. Does not parse anything.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace tscope {

// What a file is for, and the most bytes a sane one has (far above real GPT-2 files).
struct FileKind {
    const char* name;  // for messages, e.g. "config.json"
    uint64_t maxBytes;
};
inline constexpr FileKind kConfigFile{"config.json", 4u << 20};    // GPT-2's: 1 KB
inline constexpr FileKind kVocabFile{"vocab.json", 64u << 20};     // GPT-2's: 1 MB
inline constexpr FileKind kMergesFile{"merges.txt", 64u << 20};    // GPT-2's: 0.5 MB
inline constexpr FileKind kSessionFile{"session file", 8u << 20};  // for core/session_file

// A read-only descriptor of a regular file, closed on destruction. Opening never blocks: the
// open is non-blocking and anything that fstat() does not call regular is refused.
class RegularFile {
  public:
    explicit RegularFile(const std::filesystem::path& path);
    ~RegularFile();
    RegularFile(const RegularFile&) = delete;
    RegularFile& operator=(const RegularFile&) = delete;

    int fd() const { return fd_; }
    uint64_t size() const { return size_; }  // at open time; /proc files say 0

  private:
    int fd_ = -1;
    uint64_t size_ = 0;
};

// The whole file; throws tscope::Error if it is not a regular file or holds more than
// kind.maxBytes (checked on the bytes actually read, so files that grow or lie are caught too).
std::string readRegularFile(const std::filesystem::path& path, const FileKind& kind);

}  // namespace tscope
