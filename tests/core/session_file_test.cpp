// .tscope session files: a full round trip, defaults for optional fields, and every invalid
// field, file and size named in the error.
#include "core/session_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace tscope {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

SessionFile example() {
    SessionFile s;
    s.modelName = "default";
    s.modelPath = "/models/default";
    s.weightsSha256 = std::string(64, 'a');
    s.prompt = "The power clapper";
    s.seed = 7;
    s.temperature = 0.75f;
    s.topK = 40;
    s.topP = 0.9f;
    s.generated = {{11, false, 0.25f}, {262, true, 0.5f}};
    s.contextCap = 7;
    s.stage = 4;
    s.layer = 2;
    s.head = 1;
    s.position = 3;
    s.zoom = 1.5;
    s.dark = true;
    s.notes = {{1, "Say hello"}, {7, "Turn the temperature up"}};
    return s;
}

json minimal() {
    return json::parse(
        R"({"format": "tscope-session", "version": 1, "model": {"name": "default"},
            "prompt": "Hi"})");
}

std::string parseError(const json& j) {
    try {
        parseSessionFile(j.dump(), "demo.tscope");
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("demo.tscope"));
        return e.what();
    }
    ADD_FAILURE() << "no error for " << j.dump();
    return {};
}

TEST(SessionFile, RoundTripKeepsEveryField) {
    const SessionFile a = example();
    const SessionFile b = parseSessionFile(formatSessionFile(a), "x");
    EXPECT_EQ(b.modelName, a.modelName);
    EXPECT_EQ(b.modelPath, a.modelPath);
    EXPECT_EQ(b.weightsSha256, a.weightsSha256);
    EXPECT_EQ(b.prompt, a.prompt);
    EXPECT_EQ(b.seed, a.seed);
    EXPECT_FLOAT_EQ(b.temperature, a.temperature);
    EXPECT_EQ(b.topK, a.topK);
    EXPECT_FLOAT_EQ(b.topP, a.topP);
    ASSERT_EQ(b.generated.size(), 2u);
    EXPECT_EQ(b.generated[1].id, 262);
    EXPECT_TRUE(b.generated[1].forced);
    EXPECT_FALSE(b.generated[0].forced);
    EXPECT_FLOAT_EQ(b.generated[0].prob, 0.25f);
    EXPECT_EQ(b.contextCap, 7);
    EXPECT_EQ(b.stage, 4);
    EXPECT_EQ(b.layer, 2);
    EXPECT_EQ(b.head, 1);
    EXPECT_EQ(b.position, 3);
    EXPECT_DOUBLE_EQ(b.zoom, 1.5);
    EXPECT_TRUE(b.dark);
    EXPECT_EQ(b.notes, a.notes);
}

TEST(SessionFile, OptionalFieldsHaveDefaults) {
    const SessionFile s = parseSessionFile(minimal().dump(), "x");
    EXPECT_EQ(s.prompt, "Hi");
    EXPECT_EQ(s.seed, 42u);
    EXPECT_FLOAT_EQ(s.temperature, 1.0f);
    EXPECT_TRUE(s.generated.empty());
    EXPECT_EQ(s.stage, 1);
    EXPECT_FALSE(s.dark);
}

TEST(SessionFile, InvalidFieldsAreNamed) {
    EXPECT_THAT(parseError(json::array()), HasSubstr("JSON object"));
    json j = minimal();
    j["format"] = "other";
    EXPECT_THAT(parseError(j), HasSubstr("\"format\""));
    j = minimal();
    j["version"] = 99;
    EXPECT_THAT(parseError(j), HasSubstr("newer"));
    j = minimal();
    j.erase("prompt");
    EXPECT_THAT(parseError(j), HasSubstr("\"prompt\" is missing"));
    j = minimal();
    j["model"] = json::object();
    EXPECT_THAT(parseError(j), HasSubstr("model.name"));
    j = minimal();
    j["model"]["sha256"] = "xyz";
    EXPECT_THAT(parseError(j), HasSubstr("model.sha256"));
    j = minimal();
    j["sampling"] = {{"temperature", -1}};
    EXPECT_THAT(parseError(j), HasSubstr("sampling.temperature"));
    j = minimal();
    j["generated"] = json::array({{{"id", "eleven"}}});
    EXPECT_THAT(parseError(j), HasSubstr("generated[0].id"));
    j = minimal();
    j["generated"] = json::array({{{"forced", true}}});
    EXPECT_THAT(parseError(j), HasSubstr("generated[0].id\" is missing"));
    j = minimal();
    j["presenter"] = {{"notes", {{"abc", "x"}}}};
    EXPECT_THAT(parseError(j), HasSubstr("presenter.notes.abc"));
    j = minimal();
    j["presenter"] = {{"stage", 0}};
    EXPECT_THAT(parseError(j), HasSubstr("presenter.stage"));
    j = minimal();
    j["view"] = {{"theme", "blue"}};
    EXPECT_THAT(parseError(j), HasSubstr("view.theme"));
    j = minimal();
    j["seed"] = -3;
    EXPECT_THAT(parseError(j), HasSubstr("\"seed\""));
    j = minimal();
    j["promt"] = "typo";
    EXPECT_THAT(parseError(j), HasSubstr("\"promt\" is not a known field"));
}

TEST(SessionFile, BrokenJsonIsNamed) {
    try {
        parseSessionFile("{\"format\": ", "demo.tscope");
        FAIL();
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("demo.tscope: not valid JSON"));
    }
}

// Found by the session-file fuzzer: a number too large for a double is not a parse error in
// nlohmann-json but an out_of_range, which escaped as a non-tscope exception.
TEST(SessionFile, HugeNumbersAreBrokenJson) {
    EXPECT_THROW(parseSessionFile("1e3082", "demo.tscope"), Error);
    EXPECT_THROW(parseSessionFile(R"({"format": "tscope-session", "seed": 1e400})", "demo.tscope"),
                 Error);
}

// Found by the session-file fuzzer: top_p = 0.01 (the lowest allowed) was saved as
// 0.009999999776482582, which the reader then refused.
TEST(SessionFile, LowestTopPSurvivesSaveAndOpen) {
    json j = minimal();
    j["sampling"] = {{"top_p", 0.01}, {"temperature", 0.1}};
    const SessionFile saved = parseSessionFile(j.dump(), "demo.tscope");
    const SessionFile reopened = parseSessionFile(formatSessionFile(saved), "demo.tscope");
    EXPECT_EQ(reopened.topP, saved.topP);
    EXPECT_EQ(reopened.temperature, saved.temperature);
}

TEST(SessionFile, FilesAreWrittenAndReadBack) {
    const auto dir = std::filesystem::temp_directory_path() / "tscope_session_file_test";
    std::filesystem::create_directories(dir);
    const auto path = dir / "demo.tscope";
    writeSessionFile(example(), path);
    EXPECT_EQ(readSessionFile(path).notes.at(7), "Turn the temperature up");
    EXPECT_THROW(readSessionFile(dir), Error);  // a directory is not a session
    EXPECT_THROW(readSessionFile(dir / "missing.tscope"), Error);
    {
        std::ofstream big(dir / "big.tscope", std::ios::binary);
        big << std::string(kMaxSessionFileBytes + 1, ' ');
    }
    try {
        readSessionFile(dir / "big.tscope");
        FAIL();
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("too large"));
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tscope
