// The build's self-description: the version CMake passed in (project(VERSION)), and a --version
// text that names the program, the version, the compiler, Eigen and the CPU path.
#include "core/build_info.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tscope {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

TEST(BuildInfoTest, VersionIsTheProjectVersion) {
    EXPECT_EQ(version(), TSCOPE_EXPECTED_VERSION);
    EXPECT_THAT(version(), MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
}

TEST(BuildInfoTest, DescribesCompilerEigenAndCpuPath) {
    EXPECT_THAT(compilerName(), AnyOf(StartsWith("GCC "), StartsWith("Clang ")));
    EXPECT_THAT(eigenVersion(), StartsWith("3."));
    EXPECT_THAT(cpuPath(), AnyOf("AVX-512", "AVX2+FMA", "x86-64 baseline", "portable C++"));
}

TEST(BuildInfoTest, VersionTextStartsWithProgramAndVersion) {
    const std::string text = versionText("tscope-cli");
    EXPECT_THAT(text, StartsWith("tscope-cli " + version() + "\n"));
    EXPECT_THAT(text, HasSubstr("Eigen " + eigenVersion()));
    EXPECT_THAT(text, HasSubstr("CPU path: " + cpuPath()));
}

}  // namespace
}  // namespace tscope
