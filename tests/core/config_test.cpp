// config.json parsing: the fixture, Hugging Face's published variants (n_inner null, n_ctx only,
// gelu_pytorch_tanh), and every invalid field named in the error.
#include "core/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model_files_util.h"

namespace tscope {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

// openai-community/gpt2's config.json as published (abridged to the fields that matter here).
const char* kGpt2Config = R"({
  "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
  "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768,
  "n_head": 12, "n_layer": 12, "n_positions": 1024, "summary_activation": null,
  "vocab_size": 50257})";

std::string parseError(const json& config) {
    try {
        parseConfig(config.dump(), "dir/config.json");
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("dir/config.json"));
        return e.what();
    }
    ADD_FAILURE() << "no error for " << config.dump();
    return {};
}

json gpt2() {
    return json::parse(kGpt2Config);
}

json gpt2With(const std::string& field, const json& value) {
    json j = gpt2();
    j[field] = value;
    return j;
}

TEST(Config, FixtureConfig) {
    ModelConfig c = loadConfig(testing::fixtureModelDir() / "config.json");
    EXPECT_EQ(c.n_layer, 2);
    EXPECT_EQ(c.n_head, 4);
    EXPECT_EQ(c.n_embd, 64);
    EXPECT_EQ(c.n_positions, 128);
    EXPECT_EQ(c.vocab_size, 50257);
    EXPECT_EQ(c.n_inner, 256);  // absent = 4 · n_embd
    EXPECT_FLOAT_EQ(c.layer_norm_epsilon, 1e-5f);
    EXPECT_EQ(c.activation, "gelu_new");
    EXPECT_EQ(c.headDim(), 16);
}

TEST(Config, Gpt2Small) {
    ModelConfig c = parseConfig(kGpt2Config, "config.json");
    EXPECT_EQ(c.n_layer, 12);
    EXPECT_EQ(c.n_embd, 768);
    EXPECT_EQ(c.n_positions, 1024);
    EXPECT_EQ(c.n_inner, 3072);
}

TEST(Config, NInnerNullOrGiven) {
    EXPECT_EQ(parseConfig(gpt2With("n_inner", nullptr).dump(), "c").n_inner, 3072);
    EXPECT_EQ(parseConfig(gpt2With("n_inner", 1000).dump(), "c").n_inner, 1000);
}

TEST(Config, NCtxWhenNPositionsIsAbsent) {
    json j = gpt2();
    j.erase("n_positions");
    j["n_ctx"] = 512;
    EXPECT_EQ(parseConfig(j.dump(), "c").n_positions, 512);
    j.erase("n_ctx");
    EXPECT_THAT(parseError(j), HasSubstr("field \"n_ctx\" is missing"));
}

TEST(Config, GeluPytorchTanhIsGeluNew) {
    EXPECT_EQ(
        parseConfig(gpt2With("activation_function", "gelu_pytorch_tanh").dump(), "c").activation,
        "gelu_new");
    EXPECT_THAT(parseError(gpt2With("activation_function", "relu")),
                AllOf(HasSubstr("activation_function"), HasSubstr("\"relu\"")));
    EXPECT_THAT(parseError(gpt2With("activation_function", "gelu")), HasSubstr("\"gelu\""));
}

TEST(Config, MissingNEmbd) {
    json j = gpt2();
    j.erase("n_embd");
    EXPECT_THAT(parseError(j), HasSubstr("dir/config.json: field \"n_embd\" is missing"));
}

TEST(Config, NEmbdNotDivisibleByNHead) {
    EXPECT_THAT(parseError(gpt2With("n_embd", 770)),
                HasSubstr("field \"n_embd\" = 770 is not divisible by n_head = 12"));
}

TEST(Config, BadIntegers) {
    EXPECT_THAT(parseError(gpt2With("n_layer", -1)), HasSubstr("\"n_layer\" must be positive"));
    EXPECT_THAT(parseError(gpt2With("n_layer", 0)), HasSubstr("\"n_layer\" must be positive"));
    EXPECT_THAT(parseError(gpt2With("n_head", "12")), HasSubstr("\"n_head\" must be an integer"));
    EXPECT_THAT(parseError(gpt2With("n_head", 12.5)), HasSubstr("\"n_head\" must be an integer"));
    EXPECT_THAT(parseError(gpt2With("vocab_size", true)),
                HasSubstr("\"vocab_size\" must be an integer"));
    EXPECT_THAT(parseError(gpt2With("n_embd", nullptr)), HasSubstr("\"n_embd\" is missing"));
}

TEST(Config, HostileSizesAreRefused) {
    EXPECT_THAT(parseError(gpt2With("n_embd", 1'000'000'000)), HasSubstr("above the limit"));
    EXPECT_THAT(parseError(gpt2With("n_positions", int64_t(1) << 40)),
                HasSubstr("above the limit"));
    EXPECT_THAT(parseError(gpt2With("vocab_size", 1'000'000'000)), HasSubstr("above the limit"));
    EXPECT_THAT(parseError(gpt2With("n_layer", 100'000)), HasSubstr("above the limit"));
    EXPECT_THAT(parseError(gpt2With("n_inner", uint64_t(1) << 63)), HasSubstr("n_inner"));
}

TEST(Config, LayerNormEpsilon) {
    EXPECT_FLOAT_EQ(
        parseConfig(gpt2With("layer_norm_epsilon", 1e-6).dump(), "c").layer_norm_epsilon, 1e-6f);
    EXPECT_THAT(parseError(gpt2With("layer_norm_epsilon", -1)), HasSubstr("layer_norm_epsilon"));
    EXPECT_THAT(parseError(gpt2With("layer_norm_epsilon", "x")), HasSubstr("layer_norm_epsilon"));
    // in (0, 1) as a double but not as the float LayerNorm uses (found by the config fuzzer)
    EXPECT_THAT(parseError(gpt2With("layer_norm_epsilon", 1e-75)),
                HasSubstr("which rounds to 0 as a float"));
    EXPECT_THAT(parseError(gpt2With("layer_norm_epsilon", 1 - 1e-12)),
                HasSubstr("which rounds to 1 as a float"));
}

TEST(Config, NumberTooLargeForADoubleIsAnError) {  // nlohmann's out_of_range, found by fuzzing
    EXPECT_THAT([] { parseConfig("{\"n_layer\": 1e2053}", "dir/config.json"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("dir/config.json: not valid JSON")));
}

TEST(Config, VariantsWithDifferentMathAreRefused) {
    EXPECT_THAT(parseError(gpt2With("model_type", "llama")), HasSubstr("model_type"));
    EXPECT_THAT(parseError(gpt2With("scale_attn_by_inverse_layer_idx", true)),
                HasSubstr("scale_attn_by_inverse_layer_idx"));
    EXPECT_THAT(parseError(gpt2With("scale_attn_weights", false)), HasSubstr("scale_attn_weights"));
    EXPECT_NO_THROW(parseConfig(gpt2With("scale_attn_weights", true).dump(), "c"));
}

TEST(Config, NotJsonOrNotAnObject) {
    EXPECT_THAT([] { parseConfig("{\"n_layer\": ", "x/config.json"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("x/config.json: not valid JSON")));
    EXPECT_THAT(
        [] { parseConfig("[1]", "x/config.json"); },
        ::testing::ThrowsMessage<Error>(HasSubstr("x/config.json: expected a JSON object")));
    EXPECT_THAT([] { parseConfig("{\"model_type\": \"gpt\xff\"}", "x/config.json"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("x/config.json: not valid JSON")));
}

TEST(Config, MissingFile) {
    testing::TempDir dir;
    EXPECT_THAT([&] { loadConfig(dir / "config.json"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("config.json: cannot open")));
}

}  // namespace
}  // namespace tscope
