// tscope-cli end to end: runs the real executable (TSCOPE_CLI), parses its JSON and compares it
// with the golden values of tests/fixtures/tiny-gpt2/expected.json and with the core library.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_util.h"
#include "core/forward.h"
#include "core/logit_lens.h"
#include "core/model.h"
#include "core/safetensors.h"
#include "core/sampling.h"
#include "core/tokenizer.h"
#include "model_files_util.h"

extern char** environ;

namespace tscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using tscope::testing::CliResult;
using tscope::testing::expectOneLineError;
using tscope::testing::readFile;
using tscope::testing::runCli;
using tscope::testing::TempDir;

const fs::path kModelDir = fs::path(TSCOPE_FIXTURES) / "tiny-gpt2";
const fs::path kBundledTokenizer = fs::path(TSCOPE_SOURCE_DIR) / "resources/gpt2-tokenizer";

// Fixture tolerances (tests/fixtures/tiny-gpt2/README.md).
constexpr double kLogitTol = 1e-4, kAttentionTol = 1e-5, kResidualTol = 1e-4;

const json& expected() {
    static const json doc = json::parse(readFile(kModelDir / "expected.json"));
    return doc;
}

std::string idList(const std::vector<int>& ids) {
    std::string s;
    for (int id : ids) {
        if (!s.empty()) s += ',';
        s += std::to_string(id);
    }
    return s;
}

// Every number of `got` within tol of `want`, same nesting and lengths.
void expectNear(const json& got, const json& want, double tol, const std::string& where) {
    if (want.is_array()) {
        ASSERT_TRUE(got.is_array()) << where;
        ASSERT_EQ(got.size(), want.size()) << where;
        for (size_t i = 0; i < want.size(); ++i)
            expectNear(got[i], want[i], tol, where + "[" + std::to_string(i) + "]");
        return;
    }
    ASSERT_TRUE(got.is_number()) << where << " is " << got.dump();
    EXPECT_NEAR(got.get<double>(), want.get<double>(), tol) << where;
}

std::shared_ptr<const Model> fixtureModel() {
    static const auto model = loadModel(kModelDir);
    return model;
}

// --- run against the golden values ---------------------------------------------------------

class RunMatchesFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(RunMatchesFixture, LogsumexpTop5AttentionResidualLnf) {
    const json& want = expected()["sequences"][GetParam()];
    const auto ids = want["tokens"].get<std::vector<int>>();
    const CliResult r = runCli({"run", kModelDir.string(), "--ids", idList(ids), "--compact"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    const json got = r.document();

    EXPECT_EQ(got["tokens"], want["tokens"]);
    EXPECT_EQ(got["T"], want["T"]);
    expectNear(got["logsumexp"], want["logsumexp"], kLogitTol, "logsumexp");
    EXPECT_EQ(got["top5_last"]["ids"], want["top5_last"]["ids"]);
    expectNear(got["top5_last"]["logits"], want["top5_last"]["logits"], kLogitTol, "top5_last");
    expectNear(got["attention"], want["attention"], kAttentionTol, "attention");
    expectNear(got["residual_last"], want["residual_last"], kResidualTol, "residual_last");
    expectNear(got["lnf_last"], want["lnf_last"], kResidualTol, "lnf_last");
    EXPECT_EQ(got.count("logits_last"), 0u) << "full logits only with --logits-last";

    // top_last (default k = 5): same ids; probabilities are exp(logit − logsumexp)
    const json& top = got["top_last"];
    EXPECT_EQ(top["ids"], want["top5_last"]["ids"]);
    const double lse = want["logsumexp"].back().get<double>();
    for (size_t i = 0; i < 5; ++i)
        EXPECT_NEAR(top["probs"][i].get<double>(),
                    std::exp(want["top5_last"]["logits"][i].get<double>() - lse), 1e-5);
    // the bundled GPT-2 tokenizer names the tokens (vocabulary of 50257)
    for (const json& t : top["tokens"]) EXPECT_TRUE(t.is_string());
}

INSTANTIATE_TEST_SUITE_P(Sequences, RunMatchesFixture, ::testing::Values("A", "C"));

TEST(CliRun, LastRowAttentionOfLongSequenceMatchesFixture) {
    const json& want = expected()["sequences"]["D"];  // T = 100: the fixture keeps the last row
    const auto ids = want["tokens"].get<std::vector<int>>();
    const CliResult r = runCli({"run", kModelDir.string(), "--ids", idList(ids), "--last-row"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json got = r.document();
    expectNear(got["attention"], want["attention"], kAttentionTol, "attention");
    expectNear(got["logsumexp"], want["logsumexp"], kLogitTol, "logsumexp");
    EXPECT_EQ(got["top5_last"]["ids"], want["top5_last"]["ids"]);
}

TEST(CliRun, LogitsLastFlagGivesTheFullVector) {
    const json& want = expected()["sequences"]["A"];
    const CliResult r = runCli({"run", kModelDir.string(), "--ids", "464, 1176, 7901, 2848",
                                "--logits-last", "--top-k", "8", "--lens-k", "0"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json got = r.document();
    expectNear(got["logits_last"], want["logits_last"], kLogitTol, "logits_last");
    EXPECT_EQ(got["top_last"]["ids"].size(), 8u);
    EXPECT_EQ(got.count("logit_lens"), 0u);
}

TEST(CliRun, LogitLensMatchesTheCore) {
    const std::vector<int> ids = {464, 1176, 7901, 2848};
    const CliResult r = runCli({"run", kModelDir.string(), "--ids", idList(ids), "--lens-k", "4"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json lens = r.document()["logit_lens"];

    ForwardOptions options;
    options.capture.level = CaptureLevel::Residual;
    Forward forward(fixtureModel(), options);
    forward.append(ids);
    const Model& model = *fixtureModel();
    ASSERT_EQ(lens.size(), size_t(model.config.n_layer));
    for (int l = 0; l < model.config.n_layer; ++l) {
        for (auto [key, point] : {std::pair{"after_attention", LensPoint::AfterAttention},
                                  std::pair{"after_mlp", LensPoint::AfterMlp}}) {
            const auto core = logitLens(model, forward.capture(), l, point, 3, 4);
            const json& cli = lens[size_t(l)][key];
            ASSERT_EQ(cli.size(), core.size());
            for (size_t i = 0; i < core.size(); ++i) {
                EXPECT_EQ(cli[i]["id"].get<int>(), core[i].id);
                // the JSON carries ~7 significant digits
                EXPECT_NEAR(cli[i]["logit"].get<double>(), core[i].logit,
                            2e-6 * std::max(1.0, std::abs(double(core[i].logit))));
                EXPECT_NEAR(cli[i]["prob"].get<double>(), core[i].prob, 1e-7);
            }
        }
        // the lens after the last block's MLP is the model's own prediction
        if (l == model.config.n_layer - 1) {
            EXPECT_EQ(lens[size_t(l)]["after_mlp"][0]["id"],
                      expected()["sequences"]["A"]["top5_last"]["ids"][0]);
        }
    }
}

// --- tensors and .npy export ---------------------------------------------------------------

struct Npy {
    std::string header;
    std::vector<int64_t> shape;  // parsed from the header's Python tuple
    std::vector<float> values;
};

// "'shape': (4, 4, 4), " → {4, 4, 4}; a trailing comma, as in "(3,)", is valid Python.
std::vector<int64_t> npyShape(const std::string& header) {
    const std::string key = "'shape': (";
    const size_t begin = header.find(key), end = header.find(')', begin);
    if (begin == std::string::npos || end == std::string::npos) return {};
    std::vector<int64_t> shape;
    std::stringstream tuple(header.substr(begin + key.size(), end - begin - key.size()));
    for (std::string item; std::getline(tuple, item, ',');)
        if (item.find_first_not_of(' ') != std::string::npos) shape.push_back(std::stoll(item));
    return shape;
}

Npy readNpy(const fs::path& path) {
    const std::string bytes = readFile(path);
    Npy npy;
    if (bytes.size() < 10 || bytes.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) != 0) {
        ADD_FAILURE() << path << ": not a .npy 1.0 file";
        return npy;
    }
    const size_t len = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    EXPECT_EQ((10 + len) % 64, 0u) << "header not padded to 64 bytes";
    npy.header = bytes.substr(10, len);
    npy.shape = npyShape(npy.header);
    EXPECT_EQ(npy.header.back(), '\n');
    npy.values.resize((bytes.size() - 10 - len) / 4);
    std::memcpy(npy.values.data(), bytes.data() + 10 + len, npy.values.size() * 4);
    return npy;
}

TEST(CliRun, DumpWritesNpyThatMatchesTheFixture) {
    TempDir tmp;
    const fs::path probs = tmp.path() / "probs.npy", logits = tmp.path() / "logits.npy";
    const CliResult r =
        runCli({"run", kModelDir.string(), "--ids", "464,1176,7901,2848", "--dump",
                "blk.1.attn.probs=" + probs.string(), "--dump", "logits=" + logits.string()});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.document()["dumped"].size(), 2u);

    // blk.1.attn.probs [H, T, T] = expected attention of layer 1
    const Npy p = readNpy(probs);
    EXPECT_THAT(p.header, HasSubstr("'descr': '<f4'"));
    EXPECT_THAT(p.header, HasSubstr("'fortran_order': False"));
    EXPECT_EQ(p.shape, std::vector<int64_t>({4, 4, 4}));
    const json& att = expected()["sequences"]["A"]["attention"][1];
    ASSERT_EQ(p.values.size(), 64u);
    for (size_t h = 0; h < 4; ++h)
        for (size_t q = 0; q < 4; ++q)
            for (size_t k = 0; k < 4; ++k)
                EXPECT_NEAR(p.values[(h * 4 + q) * 4 + k], att[h][q][k].get<double>(),
                            kAttentionTol);

    // logits [T, V] = the exact float32 logits in logits_A.bin
    const Npy l = readNpy(logits);
    EXPECT_EQ(l.shape, std::vector<int64_t>({4, 50257}));
    const std::string bin = readFile(kModelDir / "logits_A.bin");
    ASSERT_EQ(l.values.size() * 4, bin.size());
    std::vector<float> golden(l.values.size());
    std::memcpy(golden.data(), bin.data(), bin.size());
    double worst = 0;
    for (size_t i = 0; i < golden.size(); ++i)
        worst = std::max(worst, double(std::abs(l.values[i] - golden[i])));
    EXPECT_LT(worst, kLogitTol);
}

TEST(CliRun, ListTensorsGivesNamesAndShapes) {
    const CliResult r =
        runCli({"run", kModelDir.string(), "--ids", "464,1176,7901", "--list-tensors"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::map<std::string, json> shapes;
    const json got = r.document();
    for (const json& t : got["tensors"]) shapes[t["name"].get<std::string>()] = t["shape"];
    EXPECT_EQ(shapes["blk.0.attn.probs"], json({4, 3, 3}));
    EXPECT_EQ(shapes["blk.1.mlp.pre"], json({3, 256}));
    EXPECT_EQ(shapes["lnf"], json({3, 64}));
    EXPECT_EQ(shapes["logsumexp"], json({3}));
}

// --- prompts through the tokenizer ---------------------------------------------------------

TEST(CliRun, PromptUsesTheBundledTokenizerForAGpt2Vocabulary) {
    // "The power clapper" is a golden tokenizer case: 464, 1176, 537, 11463
    const CliResult r =
        runCli({"run", kModelDir.string(), "--prompt", "-", "--lens-k", "0"}, "The power clapper");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json got = r.document();
    EXPECT_EQ(got["tokens"], json({464, 1176, 537, 11463}));
    EXPECT_EQ(got["token_text"], json({"The", " power", " cl", "apper"}));
}

TEST(CliTokenize, StdinWithNulByteMatchesTheCoreTokenizer) {
    const std::string text("a\0b \xe2\x82\xac", 7);  // NUL inside, then " €"
    const CliResult r = runCli({"tokenize", kModelDir.string(), "-"}, text);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json got = r.document();
    EXPECT_EQ(got["byte_length"], 7);
    EXPECT_EQ(got["tokenizer"], "bundled-gpt2");

    const auto tokenizer =
        Tokenizer::load(kBundledTokenizer / "vocab.json", kBundledTokenizer / "merges.txt");
    const auto tokens = tokenizer->encode(text);
    ASSERT_EQ(got["ids"].size(), tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
        EXPECT_EQ(got["ids"][i], tokens[i].id);
        EXPECT_EQ(got["spans"][i], json({tokens[i].byteBegin, tokens[i].byteEnd}));
        EXPECT_EQ(got["tokens"][i], tokenizer->tokenString(tokens[i].id));
    }
    // byte-level BPE: 'a' = 64, NUL = "Ā" = 188, 'b' = 65
    EXPECT_EQ(got["ids"][0], 64);
    EXPECT_EQ(got["ids"][1], 188);
    EXPECT_EQ(got["ids"][2], 65);
    EXPECT_EQ(got["spans"][1], json({1, 2}));
}

TEST(CliTokenize, GoldenCaseAndSpecialToken) {
    CliResult r = runCli({"tokenize", kModelDir.string(), "Hello, world!"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.document()["ids"], json({15496, 11, 995, 0}));
    EXPECT_EQ(r.document()["tokens"], json({"Hello", ",", "Ġworld", "!"}));

    r = runCli({"tokenize", kModelDir.string(), "<|endoftext|>", "--special"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.document()["ids"], json({50256}));
    r = runCli({"tokenize", kModelDir.string(), "<|endoftext|>"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_GT(r.document()["ids"].size(), 1u) << "without --special it is plain text";
}

// --- info ----------------------------------------------------------------------------------

TEST(CliInfo, HyperParametersAndSizes) {
    const CliResult r = runCli({"info", kModelDir.string()});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json got = r.document();
    EXPECT_EQ(got["n_layer"], 2);
    EXPECT_EQ(got["n_head"], 4);
    EXPECT_EQ(got["n_embd"], 64);
    EXPECT_EQ(got["n_positions"], 128);
    EXPECT_EQ(got["vocab_size"], 50257);
    EXPECT_EQ(got["dtype"], "F32");
    EXPECT_EQ(got["file_bytes"], 13432504);  // README's file table
    EXPECT_EQ(got["has_tokenizer"], false);
    // wte + wpe + 2 blocks + ln_f, counted from the README's tensor table
    const int64_t C = 64, F = 256;
    const int64_t block =
        2 * C + (C * 3 * C + 3 * C) + (C * C + C) + 2 * C + (C * F + F) + (F * C + C);
    EXPECT_EQ(got["parameter_count"], 50257 * C + 128 * C + 2 * block + 2 * C);
}

// --- generate ------------------------------------------------------------------------------

TEST(CliGenerate, SameSeedSameOutputAndValidProbabilities) {
    const std::vector<std::string> args = {
        "generate", kModelDir.string(), "--ids", "464,1176", "--steps", "12",      "--seed",
        "42",       "--temperature",    "0.9",   "--top-p",  "0.95",    "--top-k", "40"};
    const CliResult a = runCli(args), b = runCli(args);
    ASSERT_EQ(a.exitCode, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    const json got = a.document();
    ASSERT_EQ(got["steps"].size(), 12u);
    for (const json& step : got["steps"]) {
        EXPECT_GT(step["prob"].get<double>(), 0.0);
        EXPECT_LE(step["prob"].get<double>(), 1.0);
        EXPECT_TRUE(step["token"].is_string());
    }
    EXPECT_EQ(got["tokens"].size(), 14u);
    EXPECT_TRUE(got["text"].get<std::string>().starts_with("The power"));

    const CliResult other =
        runCli({"generate", kModelDir.string(), "--ids", "464,1176", "--steps", "12", "--seed",
                "43", "--temperature", "0.9", "--top-p", "0.95", "--top-k", "40"});
    EXPECT_NE(other.document()["generated_tokens"], got["generated_tokens"]);
}

TEST(CliGenerate, StepsFollowTheCoreDistributionOnFullRecomputes) {
    // each step's id and probability must agree with a fresh full pass over the tokens so far
    SamplingSettings settings;
    settings.temperature = 0.7f;
    settings.topK = 5;
    const CliResult r = runCli({"generate", kModelDir.string(), "--ids", "40,1842", "--steps", "6",
                                "--seed", "3", "--temperature", "0.7", "--top-k", "5"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json got = r.document();
    std::vector<int> tokens = {40, 1842};
    for (const json& step : got["steps"]) {
        Forward forward(fixtureModel(), ForwardOptions{});
        forward.append(tokens);
        const Vector& logits = forward.logitsLast();
        const auto probs = nextTokenDistribution(
            std::span<const float>(logits.data(), size_t(logits.size())), settings);
        const int id = step["id"];
        EXPECT_GT(probs[size_t(id)], 0.0f) << "sampled outside the top-5";
        EXPECT_NEAR(step["prob"].get<double>(), probs[size_t(id)], 1e-5);
        tokens.push_back(id);
    }
}

TEST(CliGenerate, TemperatureZeroIsGreedy) {
    const CliResult r = runCli({"generate", kModelDir.string(), "--ids", "464,1176,7901,2848",
                                "--steps", "1", "--temperature", "0"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const json step = r.document()["steps"][0];
    EXPECT_EQ(step["id"], expected()["sequences"]["A"]["top5_last"]["ids"][0]);
    EXPECT_EQ(step["prob"], 1.0);
}

// --- errors --------------------------------------------------------------------------------

// A 10-token model without tokenizer files (so no bundled GPT-2 fallback either).
void writeTinyModelWithoutTokenizer(const fs::path& dir) {
    const int V = 10, P = 8, C = 4, F = 16;
    std::ofstream(dir / "config.json") << json({{"model_type", "gpt2"},
                                                {"n_layer", 1},
                                                {"n_head", 1},
                                                {"n_embd", C},
                                                {"n_positions", P},
                                                {"vocab_size", V},
                                                {"layer_norm_epsilon", 1e-5}})
                                              .dump();
    std::vector<std::vector<float>> storage;
    std::vector<TensorToWrite> tensors;
    auto add = [&](const std::string& name, std::vector<int64_t> shape, float value) {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        storage.emplace_back(size_t(n), value);
        tensors.push_back({name, shape, {}});
    };
    add("wte.weight", {V, C}, 0.1f);
    add("wpe.weight", {P, C}, 0.01f);
    add("h.0.ln_1.weight", {C}, 1.0f);
    add("h.0.ln_1.bias", {C}, 0.0f);
    add("h.0.attn.c_attn.weight", {C, 3 * C}, 0.02f);
    add("h.0.attn.c_attn.bias", {3 * C}, 0.0f);
    add("h.0.attn.c_proj.weight", {C, C}, 0.02f);
    add("h.0.attn.c_proj.bias", {C}, 0.0f);
    add("h.0.ln_2.weight", {C}, 1.0f);
    add("h.0.ln_2.bias", {C}, 0.0f);
    add("h.0.mlp.c_fc.weight", {C, F}, 0.02f);
    add("h.0.mlp.c_fc.bias", {F}, 0.0f);
    add("h.0.mlp.c_proj.weight", {F, C}, 0.02f);
    add("h.0.mlp.c_proj.bias", {C}, 0.0f);
    add("ln_f.weight", {C}, 1.0f);
    add("ln_f.bias", {C}, 0.0f);
    for (size_t i = 0; i < tensors.size(); ++i) tensors[i].values = storage[i];
    writeSafetensors(dir / "model.safetensors", tensors, DType::F32);
}

TEST(CliErrors, MissingModelDirectory) {
    const std::string dir = "/nonexistent/tscope-model";
    expectOneLineError(runCli({"info", dir}), dir);
    expectOneLineError(runCli({"run", dir, "--ids", "1"}), dir);
}

// A config.json that is a FIFO or a link to /dev/zero used to hang the CLI until killed.
TEST(CliErrors, SpecialFilesAreRefusedAtOnce) {
    TempDir tmp;
    const fs::path config = tmp.path() / "config.json";
    fs::create_symlink(kModelDir / "model.safetensors", tmp.path() / "model.safetensors");
    ASSERT_EQ(::mkfifo(config.c_str(), 0600), 0);
    expectOneLineError(runCli({"info", tmp.path().string()}),
                       config.string() + ": not a regular file (a FIFO");
    fs::remove(config);
    fs::create_symlink("/dev/zero", config);
    expectOneLineError(runCli({"run", tmp.path().string(), "--ids", "1"}),
                       config.string() + ": not a regular file (a character device)");
}

TEST(CliErrors, BadIds) {
    expectOneLineError(runCli({"run", kModelDir.string(), "--ids", "464,x,3"}), "'x'");
    expectOneLineError(runCli({"run", kModelDir.string(), "--ids", "464,,3"}), "--ids");
    expectOneLineError(runCli({"run", kModelDir.string(), "--ids", "99999999999"}), "99999999999");
}

TEST(CliErrors, IdOutsideTheVocabulary) {
    expectOneLineError(runCli({"run", kModelDir.string(), "--ids", "1,50257"}), "50257");
    expectOneLineError(runCli({"generate", kModelDir.string(), "--ids", "-1", "--steps", "1"}),
                       "-1");
}

TEST(CliErrors, PromptWithoutTokenizerAsksForIds) {
    TempDir tmp;
    writeTinyModelWithoutTokenizer(tmp.path());
    expectOneLineError(runCli({"run", tmp.path().string(), "--prompt", "hello"}), "--ids");
    expectOneLineError(runCli({"tokenize", tmp.path().string(), "hello"}), "--ids");
    // the same model runs on ids, and its tokens have no text
    const CliResult ok = runCli({"run", tmp.path().string(), "--ids", "1,2,3"});
    ASSERT_EQ(ok.exitCode, 0) << ok.err;
    EXPECT_EQ(ok.document()["T"], 3);
    EXPECT_TRUE(ok.document()["top_last"]["tokens"][0].is_null());
}

TEST(CliErrors, ContextOverflowIsRefusedUnlessTruncating) {
    std::vector<int> ids(130, 13);  // n_positions = 128
    expectOneLineError(runCli({"run", kModelDir.string(), "--ids", idList(ids), "--lens-k", "0"}),
                       "128");
    const CliResult r = runCli({"run", kModelDir.string(), "--ids", idList(ids), "--truncate-left",
                                "--last-row", "--lens-k", "0"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.document()["T"], 128);
    expectOneLineError(runCli({"generate", kModelDir.string(), "--ids", "1,2", "--steps", "200"}),
                       "--truncate-left");
}

TEST(CliErrors, UsageErrorsAreOneLine) {
    expectOneLineError(runCli({}), "subcommand");
    expectOneLineError(runCli({"frobnicate"}), "frobnicate");
    expectOneLineError(runCli({"run", kModelDir.string()}), "--prompt");
    expectOneLineError(runCli({"run", kModelDir.string(), "--ids", "1", "--prompt", "x"}),
                       "excludes");
    expectOneLineError(runCli({"run", kModelDir.string(), "--ids", "1", "--dump", "nosuch=x.npy"}),
                       "nosuch");
    expectOneLineError(runCli({"run", kModelDir.string(), "--ids", "1", "--dump", "lnf"}),
                       "NAME=FILE");
    expectOneLineError(runCli({"generate", kModelDir.string(), "--ids", "1", "--top-p", "1.5"}),
                       "--top-p");
}

TEST(CliHelp, HelpExitsZero) {
    const CliResult r = runCli({"--help"});
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_THAT(r.out, HasSubstr("generate"));
}

}  // namespace
}  // namespace tscope
