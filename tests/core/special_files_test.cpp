// Files that are not regular files, or are far too large, named as a model's config, weights or
// tokenizer (or as a session file): each is refused at once with a tscope::Error naming the file
// and what it is. A regression here used to hang (a FIFO waits for a writer, /dev/zero never ends),
// so these tests would then block until CTest's timeout rather than fail fast.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/config.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/model.h"
#include "core/safetensors.h"
#include "core/session_file.h"
#include "core/tokenizer.h"
#include "model_files_util.h"

namespace tscope {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using testing::fixtureModelDir;
using ::testing::HasSubstr;
using testing::TempDir;
using ::testing::ThrowsMessage;
using testing::writeFile;

const fs::path kTokenizerDir = fs::path(TSCOPE_SOURCE_DIR) / "resources/gpt2-tokenizer";

void makeFifo(const fs::path& path) {
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
}

// A listening Unix socket bound at `path`; closed (the file stays) when the test ends.
class BoundSocket {
  public:
    explicit BoundSocket(const fs::path& path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    }
    ~BoundSocket() { ::close(fd_); }
    bool bound() const { return bound_; }

  private:
    int fd_;
    bool bound_ = false;
};

// A model directory whose files are links to the fixture's, ready to have one replaced.
void linkFixtureModel(const fs::path& dir) {
    fs::create_directories(dir);
    fs::create_symlink(fixtureModelDir() / "config.json", dir / "config.json");
    fs::create_symlink(fixtureModelDir() / "model.safetensors", dir / "model.safetensors");
    fs::create_symlink(kTokenizerDir / "vocab.json", dir / "vocab.json");
    fs::create_symlink(kTokenizerDir / "merges.txt", dir / "merges.txt");
}

auto refusedAs(const fs::path& file, const char* what) {
    return ThrowsMessage<Error>(AllOf(HasSubstr(file.string()), HasSubstr(what)));
}

class SpecialFile : public ::testing::TestWithParam<const char*> {
  protected:
    fs::path replaced() const { return dir_ / GetParam(); }
    void loadModelRefuses(const char* what) {
        EXPECT_THAT([&] { loadModel(dir_.path()); }, refusedAs(replaced(), what));
    }
    void SetUp() override {
        linkFixtureModel(dir_.path());
        fs::remove(replaced());
    }
    TempDir dir_;
};

TEST_P(SpecialFile, FifoIsRefusedWithoutWaitingForAWriter) {
    makeFifo(replaced());
    loadModelRefuses("not a regular file (a FIFO");
}

TEST_P(SpecialFile, LinkToDevZeroIsRefusedWithoutReadingForever) {
    fs::create_symlink("/dev/zero", replaced());
    loadModelRefuses("not a regular file (a character device)");
}

TEST_P(SpecialFile, LinkToDevUrandomIsRefused) {
    fs::create_symlink("/dev/urandom", replaced());
    loadModelRefuses("not a regular file (a character device)");
}

TEST_P(SpecialFile, DirectoryIsRefused) {
    fs::create_directory(replaced());
    loadModelRefuses("not a regular file (a directory)");
}

TEST_P(SpecialFile, SocketIsRefused) {
    const BoundSocket socket(replaced());
    ASSERT_TRUE(socket.bound());
    loadModelRefuses("not a regular file (a socket)");
}

INSTANTIATE_TEST_SUITE_P(ModelFiles, SpecialFile,
                         ::testing::Values("config.json", "model.safetensors", "vocab.json",
                                           "merges.txt"),
                         [](const auto& info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '.', '_');
                             return name;
                         });

TEST(SpecialFiles, EachReaderRefusesAFifoOnItsOwn) {
    TempDir dir;
    makeFifo(dir / "pipe");
    const auto refused = refusedAs(dir / "pipe", "(a FIFO");
    EXPECT_THAT([&] { loadConfig(dir / "pipe"); }, refused);
    EXPECT_THAT([&] { SafetensorsFile::open(dir / "pipe"); }, refused);
    EXPECT_THAT([&] { Tokenizer::load(dir / "pipe", kTokenizerDir / "merges.txt"); }, refused);
    EXPECT_THAT([&] { Tokenizer::load(kTokenizerDir / "vocab.json", dir / "pipe"); }, refused);
    EXPECT_THAT([&] { readSessionFile(dir / "pipe"); }, refused);
}

TEST(SizeCaps, ConfigJustOverTheCapIsRefusedAndJustUnderIsRead) {
    TempDir dir;
    const std::string config = testing::fixtureConfigJson();
    // valid JSON either way: the padding is trailing whitespace
    writeFile(dir / "config.json", config + std::string(kConfigFile.maxBytes - config.size(), ' '));
    EXPECT_EQ(loadConfig(dir / "config.json").n_embd, 64);
    writeFile(dir / "config.json",
              config + std::string(kConfigFile.maxBytes - config.size() + 1, ' '));
    EXPECT_THAT([&] { loadConfig(dir / "config.json"); },
                refusedAs(dir / "config.json",
                          "4194305 bytes; a config.json larger than 4194304 bytes is refused"));
}

TEST(SizeCaps, CapsFitTheFormats) {
    EXPECT_LE(kConfigFile.maxBytes, 8u << 20);   // "a few MB" at most
    EXPECT_LE(kSessionFile.maxBytes, 8u << 20);  // likewise
    EXPECT_GE(kVocabFile.maxBytes, 16u << 20);   // room for 250 k-token vocabularies
    EXPECT_GE(kMergesFile.maxBytes, 16u << 20);
}

TEST(SizeCaps, FileThatReadsPastItsStatSizeIsCaughtWhileReading) {
    // /proc files are regular but report size 0; the cap is enforced on the bytes read
    EXPECT_THAT(
        [] {
            readRegularFile("/proc/self/status", FileKind{"tiny file", 16});
        },
        refusedAs("/proc/self/status", "more than 16 bytes; a tiny file larger than 16"));
    EXPECT_FALSE(readRegularFile("/proc/self/status", FileKind{"status", 1 << 20}).empty());
}

TEST(SizeCaps, ExactCapIsReadWhole) {
    TempDir dir;
    writeFile(dir / "f", std::string(100, 'x'));
    EXPECT_EQ(readRegularFile(dir / "f", FileKind{"f", 100}), std::string(100, 'x'));
    EXPECT_THAT(
        [&] {
            readRegularFile(dir / "f", FileKind{"f", 99});
        },
        refusedAs(dir / "f", "100 bytes; a f larger than 99 bytes is refused"));
}

TEST(RegularFiles, MissingFileSaysSo) {
    TempDir dir;
    EXPECT_THAT([&] { readRegularFile(dir / "absent", kConfigFile); },
                refusedAs(dir / "absent", "cannot open: No such file or directory"));
}

TEST(RegularFiles, UnreadableFileSaysSo) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
    TempDir dir;
    writeFile(dir / "secret", "{}");
    fs::permissions(dir / "secret", fs::perms::none);
    EXPECT_THAT([&] { readRegularFile(dir / "secret", kConfigFile); },
                refusedAs(dir / "secret", "cannot open: Permission denied"));
}

}  // namespace
}  // namespace tscope
