#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace tscope {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
    throw Error(path.string() + ": " + what);
}

const char* typeName(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    return "not a file";
}

[[noreturn]] void failNotRegular(const std::filesystem::path& path, mode_t mode) {
    fail(path, std::string("not a regular file (") + typeName(mode) + ")");
}

// open() fails on sockets (ENXIO); stat says what the path is, for a clearer message.
[[noreturn]] void failOpen(const std::filesystem::path& path, int openErrno) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) failNotRegular(path, st.st_mode);
    fail(path, std::string("cannot open: ") + std::strerror(openErrno));
}

std::string sizeLimitMessage(uint64_t size, const FileKind& kind, bool atLeast) {
    return (atLeast ? "more than " : "") + std::to_string(size) + " bytes; a " + kind.name +
           " larger than " + std::to_string(kind.maxBytes) + " bytes is refused";
}

}  // namespace

RegularFile::RegularFile(const std::filesystem::path& path) {
    // O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for one
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) failOpen(path, errno);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        const int statErrno = errno;
        ::close(fd_);
        fail(path, std::string("cannot stat: ") + std::strerror(statErrno));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd_);
        failNotRegular(path, st.st_mode);
    }
    size_ = uint64_t(st.st_size);
}

RegularFile::~RegularFile() {
    if (fd_ >= 0) ::close(fd_);
}

std::string readRegularFile(const std::filesystem::path& path, const FileKind& kind) {
    const RegularFile file(path);
    if (file.size() > kind.maxBytes) fail(path, sizeLimitMessage(file.size(), kind, false));
    std::string bytes;
    bytes.reserve(size_t(file.size()));
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(file.fd(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(path, std::string("read failed: ") + std::strerror(errno));
        if (n == 0) return bytes;
        if (bytes.size() + size_t(n) > kind.maxBytes)  // grew since fstat, or a /proc file
            fail(path, sizeLimitMessage(kind.maxBytes, kind, true));
        bytes.append(buffer, size_t(n));
    }
}

}  // namespace tscope
