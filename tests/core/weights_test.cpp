// Binding GPT-2 parameters and loading model directories: the fixture (zero-copy F32), the same
// model re-saved in F16, BF16, with the "transformer." prefix and with lm_head.weight, and every
// missing / unexpected / misshapen tensor and contradicting config, each named in its error.
#include "core/weights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/model.h"
#include "model_files_util.h"

namespace tscope {
namespace {

using ::testing::AllOf;
using testing::fixtureConfigJson;
using testing::fixtureModelDir;
using testing::fixtureTensors;
using ::testing::HasSubstr;
using testing::layout;
using testing::ModelDirOptions;
using testing::NamedTensor;
using testing::TempDir;
using testing::with;
using testing::withConfig;
using testing::without;
using testing::writeModelDir;

// Parameter count from the README's shape table, written out independently of the loader.
constexpr int64_t kV = 50257, kC = 64, kT = 128, kF = 256, kLayers = 2;
constexpr int64_t kPerLayer = 2 * kC                  // ln_1
                              + kC * 3 * kC + 3 * kC  // attn.c_attn
                              + kC * kC + kC          // attn.c_proj
                              + 2 * kC                // ln_2
                              + kC * kF + kF          // mlp.c_fc
                              + kF * kC + kC;         // mlp.c_proj
constexpr int64_t kFixtureParams = kV * kC + kT * kC + kLayers * kPerLayer + 2 * kC;
static_assert(kFixtureParams == 3'324'736);

const NamedTensor& fixtureTensor(const std::string& name) {
    for (const NamedTensor& t : fixtureTensors())
        if (t.name == name) return t;
    throw std::runtime_error("no fixture tensor " + name);
}

std::vector<float> values(const MatrixRef& m) {
    return {m.data, m.data + m.rows * m.cols};
}
std::vector<float> values(const PanelsRef& m) {  // row-major, read through the panels
    std::vector<float> out;
    for (Eigen::Index k = 0; k < m.rows; ++k)
        for (Eigen::Index n = 0; n < m.cols; ++n) out.push_back(m(k, n));
    return out;
}
std::vector<float> transposedValues(const PanelsRef& m) {  // mᵀ row-major: lm_head from lm_headᵀ
    std::vector<float> out;
    for (Eigen::Index n = 0; n < m.cols; ++n)
        for (Eigen::Index k = 0; k < m.rows; ++k) out.push_back(m(k, n));
    return out;
}
std::vector<float> values(const VectorRef& v) {
    return {v.data, v.data + v.size};
}

// Every bound parameter paired with the fixture tensor it must hold.
std::vector<std::pair<std::vector<float>, std::string>> boundParameters(const ModelWeights& w) {
    std::vector<std::pair<std::vector<float>, std::string>> all = {
        {values(w.wpe), "wpe.weight"},
        {values(w.lnf_w), "ln_f.weight"},
        {values(w.lnf_b), "ln_f.bias"},
        {transposedValues(w.wteT), "wte.weight"}};
    for (size_t i = 0; i < w.layers.size(); ++i) {
        const LayerWeights& l = w.layers[i];
        const std::string p = "h." + std::to_string(i) + ".";
        for (auto [ref, name] : {std::pair{&l.ln1_w, "ln_1.weight"},
                                 {&l.ln1_b, "ln_1.bias"},
                                 {&l.attn_b, "attn.c_attn.bias"},
                                 {&l.attn_proj_b, "attn.c_proj.bias"},
                                 {&l.ln2_w, "ln_2.weight"},
                                 {&l.ln2_b, "ln_2.bias"},
                                 {&l.fc_b, "mlp.c_fc.bias"},
                                 {&l.mlp_proj_b, "mlp.c_proj.bias"}})
            all.push_back({values(*ref), p + name});
        for (auto [ref, name] : {std::pair{&l.attn_w, "attn.c_attn.weight"},
                                 {&l.attn_proj_w, "attn.c_proj.weight"},
                                 {&l.fc_w, "mlp.c_fc.weight"},
                                 {&l.mlp_proj_w, "mlp.c_proj.weight"}})
            all.push_back({values(*ref), p + name});
    }
    return all;
}

// Each bound value equals the F32 fixture within `relTol` (plus `absTol` for F16 subnormals).
void expectFixtureValues(const ModelWeights& w, double relTol, double absTol) {
    const auto params = boundParameters(w);
    EXPECT_EQ(params.size(), 4u + 12u * kLayers);  // wte through wteT
    for (const auto& [got, name] : params) {
        const std::vector<float>& want = fixtureTensor(name).values;
        ASSERT_EQ(got.size(), want.size()) << name;
        for (size_t i = 0; i < got.size(); ++i)
            ASSERT_LE(std::fabs(got[i] - want[i]), relTol * std::fabs(want[i]) + absTol)
                << name << "[" << i << "]";
    }
}

ModelWeights bindFixture() {
    std::shared_ptr<const SafetensorsFile> file =
        SafetensorsFile::open(fixtureModelDir() / "model.safetensors");
    return bindWeights(file, loadConfig(fixtureModelDir() / "config.json"));
}

// ---- the fixture ------------------------------------------------------------------------------

TEST(Weights, FixtureBindsWithExpectedShapesAndCount) {
    ModelWeights w = bindFixture();
    EXPECT_EQ(w.parameterCount, kFixtureParams);
    EXPECT_EQ(w.fileDType, DType::F32);
    EXPECT_TRUE(w.tiedLmHead);
    EXPECT_EQ(w.wteT.rows, kC);  // wteᵀ, in panels
    EXPECT_EQ(w.wteT.cols, kV);
    EXPECT_EQ(w.lm_head.data, w.wteT.data);  // tied: one copy
    EXPECT_EQ(w.wpe.rows, kT);
    ASSERT_EQ(w.layers.size(), 2u);
    EXPECT_EQ(w.layers[1].attn_w.rows, kC);
    EXPECT_EQ(w.layers[1].attn_w.cols, 3 * kC);
    EXPECT_EQ(w.layers[1].fc_w.cols, kF);
    EXPECT_EQ(w.layers[1].mlp_proj_w.rows, kF);
    EXPECT_EQ(w.layers[0].attn_b.size, 3 * kC);
    expectFixtureValues(w, 0.0, 0.0);
}

// F32 parameters are used in place, except the linear layers' weights and lm_headᵀ, which are
// copied once into column panels (their values: FixtureBindsWithExpectedShapesAndCount).
TEST(Weights, F32IsZeroCopyExceptTheLinearWeights) {
    ModelWeights w = bindFixture();
    EXPECT_TRUE(w.owned.empty());
    EXPECT_EQ(w.panels.size(), size_t(4 * kLayers + 1));
    // every other parameter points into the mapping of the file
    const auto* first = w.file->bytes(*w.file->find("h.0.attn.bias")).data();  // first in file
    const auto* last = w.file->bytes(*w.file->find("wte.weight")).data();      // last in file
    const auto* end = last + w.file->bytes(*w.file->find("wte.weight")).size();
    auto inside = [&](const float* p) {
        const auto* b = reinterpret_cast<const std::byte*>(p);
        return b >= first && b < end;
    };
    EXPECT_TRUE(inside(w.wpe.data));
    EXPECT_TRUE(inside(w.lnf_b.data));
    EXPECT_FALSE(inside(w.lm_head.data));
    for (const LayerWeights& l : w.layers) {
        EXPECT_FALSE(inside(l.attn_w.data));
        EXPECT_EQ(reinterpret_cast<uintptr_t>(l.fc_w.data) % 64, 0u);  // cache-line aligned
        EXPECT_TRUE(inside(l.mlp_proj_b.data));
    }
    // and the parameter's bytes are the file's bytes at that tensor's offset
    const TensorInfo& info = *w.file->find("h.1.attn.c_attn.bias");
    EXPECT_EQ(static_cast<const void*>(w.layers[1].attn_b.data),
              static_cast<const void*>(w.file->bytes(info).data()));
}

TEST(Weights, LoadModelOnFixture) {
    auto model = loadModel(fixtureModelDir());
    EXPECT_EQ(model->config.n_layer, 2);
    EXPECT_EQ(model->weights.parameterCount, kFixtureParams);
    EXPECT_EQ(model->tokenizer, nullptr);  // the fixture has no vocab.json / merges.txt
    EXPECT_EQ(model->weightsFileBytes(), 13432504u);
    EXPECT_EQ(model->directory, fixtureModelDir());
}

// ---- the same model in other layouts ----------------------------------------------------------

struct Layout {
    const char* label;
    ModelDirOptions options;
    double relTol, absTol;
};

class ResavedFixture : public ::testing::TestWithParam<Layout> {};

TEST_P(ResavedFixture, LoadsAndAgreesWithinTheDtypeRounding) {
    const Layout& layout = GetParam();
    TempDir dir;
    writeModelDir(dir.path(), fixtureTensors(), layout.options);
    auto model = loadModel(dir.path());
    const ModelWeights& w = model->weights;
    EXPECT_EQ(w.fileDType, layout.options.dtype);
    EXPECT_EQ(w.parameterCount, kFixtureParams);
    EXPECT_TRUE(w.tiedLmHead);
    EXPECT_EQ(w.owned.empty(), layout.options.dtype == DType::F32);
    // widened copies only of what the engine reads in place: wte (and lm_head) live in panels
    size_t ownedFloats = 0;
    for (const std::vector<float>& tensor : w.owned) ownedFloats += tensor.size();
    EXPECT_LT(ownedFloats, size_t(kV * kC)) << "a widened wte or lm_head kept";
    expectFixtureValues(w, layout.relTol, layout.absTol);
}

// F16 rounds to 11 significant bits (relative 2^-11) and its subnormals to 2^-25 absolute;
// BF16 keeps 8 significant bits (relative 2^-8).
const double kF16Rel = std::ldexp(1.0, -11), kF16Abs = std::ldexp(1.0, -25);
const double kBf16Rel = std::ldexp(1.0, -8);

INSTANTIATE_TEST_SUITE_P(
    Layouts, ResavedFixture,
    ::testing::Values(Layout{"F16", layout(DType::F16), kF16Rel, kF16Abs},
                      Layout{"BF16", layout(DType::BF16), kBf16Rel, 0.0},
                      Layout{"Prefixed", layout(DType::F32, "transformer."), 0.0, 0.0},
                      Layout{"PrefixedF16", layout(DType::F16, "transformer."), kF16Rel, kF16Abs},
                      Layout{"TiedLmHeadStored", layout(DType::F32, "transformer.", true), 0, 0},
                      Layout{"TiedLmHeadStoredBF16", layout(DType::BF16, "", true), kBf16Rel, 0}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Weights, UntiedLmHead) {
    NamedTensor head = fixtureTensor("wte.weight");
    head.name = "lm_head.weight";
    for (float& v : head.values) v = -2 * v;
    TempDir dir;
    writeModelDir(dir.path(), with(fixtureTensors(), head), layout(DType::F32, "transformer."));
    auto model = loadModel(dir.path());
    const ModelWeights& w = model->weights;
    EXPECT_FALSE(w.tiedLmHead);
    EXPECT_EQ(w.parameterCount, kFixtureParams + kV * kC);
    EXPECT_EQ(transposedValues(w.lm_head), head.values);
    EXPECT_EQ(transposedValues(w.wteT), fixtureTensor("wte.weight").values);
}

TEST(Weights, MaskBuffersAreOptionalAndIgnored) {
    TempDir dir;
    auto tensors = without(without(fixtureTensors(), "h.0.attn.bias"), "h.1.attn.bias");
    tensors.push_back({"h.1.attn.masked_bias", {}, {-1e4f}});  // older checkpoints have this
    writeModelDir(dir.path(), tensors);
    EXPECT_EQ(loadModel(dir.path())->weights.parameterCount, kFixtureParams);
}

TEST(Weights, MixedPrefixIsAccepted) {
    auto tensors = fixtureTensors();
    for (NamedTensor& t : tensors)
        if (t.name.starts_with("h.0.")) t.name = "transformer." + t.name;
    TempDir dir;
    writeModelDir(dir.path(), tensors);
    EXPECT_EQ(loadModel(dir.path())->weights.parameterCount, kFixtureParams);
}

// ---- errors -----------------------------------------------------------------------------------

// Writes a model directory and returns loadModel's error (fails the test if there is none).
std::string loadError(const std::vector<NamedTensor>& tensors,
                      const ModelDirOptions& options = {}) {
    TempDir dir;
    writeModelDir(dir.path(), tensors, options);
    try {
        loadModel(dir.path());
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no error";
    return {};
}

std::string configWith(const std::string& field, const nlohmann::json& value) {
    nlohmann::json j = nlohmann::json::parse(fixtureConfigJson());
    j[field] = value;
    return j.dump();
}

TEST(WeightsErrors, MissingTensor) {
    EXPECT_THAT(loadError(without(fixtureTensors(), "ln_f.bias")),
                AllOf(HasSubstr("model.safetensors: missing tensor 'ln_f.bias'"),
                      HasSubstr("expected shape [64]")));
}

TEST(WeightsErrors, MissingAttentionBiasIsNotMistakenForTheMaskBuffer) {
    EXPECT_THAT(loadError(without(fixtureTensors(), "h.1.attn.c_attn.bias")),
                HasSubstr("missing tensor 'h.1.attn.c_attn.bias'"));
    EXPECT_THAT(loadError(without(fixtureTensors(), "h.0.attn.c_proj.bias")),
                HasSubstr("missing tensor 'h.0.attn.c_proj.bias'"));
}

TEST(WeightsErrors, ExtraTensor) {
    const NamedTensor extraLayer{"h.2.ln_1.weight", {64}, std::vector<float>(64, 1.0f)};
    EXPECT_THAT(loadError(with(fixtureTensors(), extraLayer)),
                AllOf(HasSubstr("model.safetensors: unexpected tensor 'h.2.ln_1.weight'"),
                      HasSubstr("[64]")));
    const NamedTensor garbage{"foo.bar", {2}, {1.0f, 2.0f}};
    EXPECT_THAT(loadError(with(fixtureTensors(), garbage)),
                HasSubstr("unexpected tensor 'foo.bar'"));
    // a mask buffer of a layer the config doesn't have is unexpected too
    const NamedTensor mask{"h.2.attn.bias", {1}, {1.0f}};
    EXPECT_THAT(loadError(with(fixtureTensors(), mask)),
                HasSubstr("unexpected tensor 'h.2.attn.bias'"));
}

TEST(WeightsErrors, WrongShape) {
    NamedTensor transposed = fixtureTensor("h.1.attn.c_attn.weight");
    transposed.shape = {192, 64};
    EXPECT_THAT(loadError(with(fixtureTensors(), transposed)),
                HasSubstr("tensor 'h.1.attn.c_attn.weight' has shape [192, 64], but the config "
                          "implies [64, 192]"));
}

TEST(WeightsErrors, WrongShapeNamesThePrefixedTensor) {
    NamedTensor bias = fixtureTensor("ln_f.bias");
    bias.shape = {1, 64};
    EXPECT_THAT(loadError(with(fixtureTensors(), bias), layout(DType::F16, "transformer.")),
                HasSubstr("tensor 'transformer.ln_f.bias' has shape [1, 64]"));
}

TEST(WeightsErrors, ConfigContradictsWeights) {
    EXPECT_THAT(loadError(fixtureTensors(), withConfig(configWith("vocab_size", 50000))),
                HasSubstr("tensor 'wte.weight' has shape [50257, 64], but the config implies "
                          "[50000, 64]"));
    EXPECT_THAT(loadError(fixtureTensors(), withConfig(configWith("n_layer", 3))),
                HasSubstr("missing tensor 'h.2.ln_1.weight'"));
    EXPECT_THAT(loadError(fixtureTensors(), withConfig(configWith("n_layer", 1))),
                HasSubstr("unexpected tensor 'h.1."));
    EXPECT_THAT(loadError(fixtureTensors(), withConfig(configWith("n_inner", 128))),
                HasSubstr("tensor 'h.0.mlp.c_fc.weight' has shape [64, 256], but the config "
                          "implies [64, 128]"));
    EXPECT_THAT(loadError(fixtureTensors(), withConfig(configWith("n_positions", 1024))),
                HasSubstr("'wpe.weight' has shape [128, 64], but the config implies [1024, 64]"));
}

TEST(WeightsErrors, LmHeadWithWrongShape) {
    const NamedTensor head{"lm_head.weight", {2, 64}, std::vector<float>(128, 0.5f)};
    EXPECT_THAT(loadError(with(fixtureTensors(), head)),
                HasSubstr("tensor 'lm_head.weight' has shape [2, 64], but the config implies "
                          "[50257, 64]"));
}

TEST(WeightsErrors, SameTensorWithAndWithoutPrefix) {
    NamedTensor twin = fixtureTensor("ln_f.bias");
    twin.name = "transformer.ln_f.bias";
    EXPECT_THAT(loadError(with(fixtureTensors(), twin)),
                HasSubstr("tensor 'ln_f.bias' is stored both with and without"));
}

TEST(WeightsErrors, ConfigErrorsNameConfigJson) {
    nlohmann::json j = nlohmann::json::parse(fixtureConfigJson());
    j.erase("n_embd");
    EXPECT_THAT(loadError(fixtureTensors(), withConfig(j.dump())),
                HasSubstr("config.json: field \"n_embd\" is missing"));
    EXPECT_THAT(loadError(fixtureTensors(), withConfig(configWith("n_embd", 66))),
                HasSubstr("config.json: field \"n_embd\" = 66 is not divisible by n_head = 4"));
}

// ---- model directories ------------------------------------------------------------------------

std::string loadDirError(const std::filesystem::path& dir) {
    try {
        loadModel(dir);
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no error for " << dir;
    return {};
}

TEST(ModelDir, MissingDirectoryOrFiles) {
    TempDir dir;
    EXPECT_THAT(loadDirError(dir / "nope"), HasSubstr("nope: model directory not found"));
    testing::writeFile(dir / "file", "x");
    EXPECT_THAT(loadDirError(dir / "file"), HasSubstr("file: not a directory"));
    EXPECT_THAT(loadDirError(dir.path()), HasSubstr("config.json: missing"));
    testing::writeFile(dir / "config.json", fixtureConfigJson());
    EXPECT_THAT(loadDirError(dir.path()), HasSubstr("model.safetensors: missing"));
}

TEST(ModelDir, TruncatedWeights) {
    TempDir dir;
    writeModelDir(dir.path(), fixtureTensors());
    const std::string whole = testing::readFile(fixtureModelDir() / "model.safetensors");
    testing::writeFile(dir / "model.safetensors",
                       std::string_view(whole).substr(0, whole.size() / 2));
    EXPECT_THAT(loadDirError(dir.path()),
                AllOf(HasSubstr("model.safetensors: tensor '"), HasSubstr("truncated")));
}

TEST(ModelDir, TokenizerFilesComeInPairs) {
    TempDir dir;
    writeModelDir(dir.path(), fixtureTensors());
    testing::writeFile(dir / "merges.txt", "#version: 0.2\n");
    EXPECT_THAT(loadDirError(dir.path()), HasSubstr("vocab.json: missing"));
}

TEST(ModelDir, NonUtf8VocabIsAnErrorNamingVocabJson) {
    TempDir dir;
    writeModelDir(dir.path(), fixtureTensors());
    testing::writeFile(dir / "vocab.json", "{\"a\": 0, \"\xff\xfe\": 1}");
    testing::writeFile(dir / "merges.txt", "#version: 0.2\n");
    EXPECT_THAT(loadDirError(dir.path()), HasSubstr("vocab.json"));
}

TEST(ModelDir, RealTokenizerLoads) {
    TempDir dir;
    writeModelDir(dir.path(), fixtureTensors());
    const auto resources = std::filesystem::path(TSCOPE_SOURCE_DIR) / "resources/gpt2-tokenizer";
    std::filesystem::copy_file(resources / "vocab.json", dir / "vocab.json");
    std::filesystem::copy_file(resources / "merges.txt", dir / "merges.txt");
    auto model = loadModel(dir.path());
    ASSERT_NE(model->tokenizer, nullptr);
    EXPECT_EQ(model->tokenizer->vocabSize(), 50257);
    // a config whose vocabulary is smaller than the tokenizer's is refused
    nlohmann::json small = nlohmann::json::parse(fixtureConfigJson());
    small["vocab_size"] = 1000;
    NamedTensor wte = fixtureTensor("wte.weight");
    wte.values.resize(1000 * 64);
    wte.shape = {1000, 64};
    writeModelDir(dir.path(), with(fixtureTensors(), wte), withConfig(small.dump()));
    EXPECT_THAT(loadDirError(dir.path()),
                HasSubstr("vocab.json: has 50257 tokens, more than the model's vocab_size 1000"));
}

}  // namespace
}  // namespace tscope
