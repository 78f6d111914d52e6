// The data-directory lookup: from the executable's location by default (the build tree links
// build/share/tscope to the sources, as an install does under PREFIX/share/tscope), or from
// $TSCOPE_DATA_DIR; bundled models by name, never by a path that leaves models/.
#include "core/resources.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

namespace tscope {
namespace {

namespace fs = std::filesystem;

// Sets $TSCOPE_DATA_DIR for one test and restores the unset state after it.
class DataDirOverride {
  public:
    explicit DataDirOverride(const fs::path& dir) {
        setenv(resources::kDataDirVariable, dir.c_str(), 1);
    }
    ~DataDirOverride() { unsetenv(resources::kDataDirVariable); }
};

void touch(const fs::path& file) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << "{}";
}

class ResourcesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        unsetenv(resources::kDataDirVariable);
        root_ = fs::temp_directory_path() / ("tscope_resources_test_" + std::to_string(getpid()));
        fs::remove_all(root_);
    }
    void TearDown() override { fs::remove_all(root_); }
    fs::path root_;
};

TEST_F(ResourcesTest, BuildTreeFindsTheBundledModelAndTokenizerNextToTheExecutable) {
    const fs::path dir = resources::dataDir();
    EXPECT_EQ(dir.filename(), "tscope");
    EXPECT_EQ(dir.parent_path().filename(), "share");
    const auto model = resources::bundledModel("default");
    ASSERT_TRUE(model.has_value()) << "no models/default under " << dir;
    EXPECT_TRUE(fs::exists(*model / "model.safetensors"));
    const auto tokenizer = resources::gpt2TokenizerDir();
    ASSERT_TRUE(tokenizer.has_value());
    EXPECT_TRUE(fs::exists(*tokenizer / "merges.txt"));
}

TEST_F(ResourcesTest, EnvironmentOverrideReplacesTheExecutableRelativeDirectory) {
    touch(root_ / "models/mine/config.json");
    touch(root_ / "gpt2-tokenizer/vocab.json");
    DataDirOverride override(root_);
    EXPECT_EQ(resources::dataDir(), root_);
    EXPECT_EQ(resources::bundledModel("mine"), root_ / "models/mine");
    EXPECT_FALSE(resources::bundledModel("default").has_value());  // the build tree's is hidden
    EXPECT_FALSE(resources::gpt2TokenizerDir().has_value()) << "merges.txt is missing";
    touch(root_ / "gpt2-tokenizer/merges.txt");
    EXPECT_EQ(resources::gpt2TokenizerDir(), root_ / "gpt2-tokenizer");
    EXPECT_EQ(resources::find("sessions"), std::nullopt);
}

TEST_F(ResourcesTest, ModelNamesCannotReachOutsideModels) {
    touch(root_ / "data/config.json");  // a model directory one level above models/
    fs::create_directories(root_ / "data/models");
    DataDirOverride override(root_ / "data");
    EXPECT_FALSE(resources::bundledModel("..").has_value());
    EXPECT_FALSE(resources::bundledModel("../..").has_value());
    EXPECT_FALSE(resources::bundledModel("").has_value());
    EXPECT_FALSE(resources::bundledModel("models/..").has_value());
}

TEST_F(ResourcesTest, ModelArgumentPrefersAnExistingPathOverABundledName) {
    touch(root_ / "data/models/default/config.json");
    DataDirOverride override(root_ / "data");
    EXPECT_EQ(resources::resolveModelArgument("default"), root_ / "data/models/default");
    const fs::path local = root_ / "cwd";
    fs::create_directories(local / "default");
    const fs::path before = fs::current_path();
    fs::current_path(local);
    EXPECT_EQ(resources::resolveModelArgument("default"), "default");  // ./default wins
    fs::current_path(before);
    EXPECT_EQ(resources::resolveModelArgument("no-such-model"), "no-such-model");
}

}  // namespace
}  // namespace tscope
