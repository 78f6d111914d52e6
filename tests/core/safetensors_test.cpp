// safetensors reader: the fixture file, the writer, half/bfloat16 conversions against golden bit
// patterns and the compiler's own _Float16, and every malformed-file case, generated here.
#include "core/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>

#include "core/error.h"
#include "model_files_util.h"

namespace tscope {
namespace {

using testing::fixtureModelDir;
using ::testing::HasSubstr;
using testing::readFile;
using testing::safetensorsBytes;
using testing::TempDir;
using testing::writeFile;

// ---- the fixture file -------------------------------------------------------------------------

TEST(Safetensors, ReadsFixtureHeader) {
    auto file = SafetensorsFile::open(fixtureModelDir() / "model.safetensors");
    EXPECT_EQ(file->fileSize(), 13432504u);  // README
    EXPECT_EQ(file->tensors().size(), 30u);
    EXPECT_EQ(file->metadata().at("format"), "pt");
    const TensorInfo* wte = file->find("wte.weight");
    ASSERT_NE(wte, nullptr);
    EXPECT_EQ(wte->dtype, DType::F32);
    EXPECT_EQ(wte->shape, (std::vector<int64_t>{50257, 64}));
    EXPECT_EQ(wte->numel(), 50257 * 64);
    EXPECT_EQ(file->find("h.1.attn.bias")->shape, (std::vector<int64_t>{1, 1, 128, 128}));
    EXPECT_EQ(file->find("nope"), nullptr);
}

TEST(Safetensors, F32DataIsUsedInPlace) {
    auto file = SafetensorsFile::open(fixtureModelDir() / "model.safetensors");
    const TensorInfo& info = *file->find("ln_f.weight");
    const float* p = file->f32Data(info);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(static_cast<const void*>(p), static_cast<const void*>(file->bytes(info).data()));
    // ln_f.bias sorts right after ln_f.weight and the data has no gaps: the file layout itself
    const std::string raw = readFile(fixtureModelDir() / "model.safetensors");
    const uint64_t dataStart = 8 + 2480;  // README: N = 2480
    EXPECT_EQ(std::memcmp(p, raw.data() + dataStart + info.begin, 64 * 4), 0);
    std::vector<float> widened = file->toFloat(info);
    EXPECT_EQ(std::memcmp(widened.data(), p, 64 * 4), 0);
}

TEST(Safetensors, CausalMaskBufferIsLowerTriangularOnes) {
    // an independent check that offsets and values are read correctly (README: ones below the
    // diagonal, zeros above)
    auto file = SafetensorsFile::open(fixtureModelDir() / "model.safetensors");
    std::vector<float> mask = file->toFloat(*file->find("h.0.attn.bias"));
    ASSERT_EQ(mask.size(), 128u * 128u);
    for (int q = 0; q < 128; ++q)
        for (int k = 0; k < 128; ++k) ASSERT_EQ(mask[q * 128 + k], k <= q ? 1.0f : 0.0f);
}

TEST(Safetensors, WriterReproducesTheFixtureByteForByte) {
    // the fixture was written by Hugging Face's safetensors; our writer must match its layout
    auto file = SafetensorsFile::open(fixtureModelDir() / "model.safetensors");
    std::vector<std::vector<float>> values;
    std::vector<TensorToWrite> tensors;
    for (const auto& [name, info] : file->tensors()) values.push_back(file->toFloat(info));
    size_t i = 0;
    for (const auto& [name, info] : file->tensors())
        tensors.push_back({name, info.shape, values[i++]});
    TempDir dir;
    writeSafetensors(dir / "copy.safetensors", tensors, DType::F32);
    EXPECT_TRUE(readFile(dir / "copy.safetensors") ==
                readFile(fixtureModelDir() / "model.safetensors"));
}

TEST(Safetensors, WriterLayoutF16AndBf16) {
    TempDir dir;
    const std::vector<float> a = {1.0f, -2.5f, 65504.0f}, b = {0.5f, 3.0f};
    for (DType dtype : {DType::F16, DType::BF16}) {
        // given out of order: the writer sorts by name
        writeSafetensors(dir / "t.safetensors", {{"zeta", {3}, a}, {"alpha", {1, 2}, b}}, dtype);
        const std::string raw = readFile(dir / "t.safetensors");
        uint64_t n = 0;
        std::memcpy(&n, raw.data(), 8);
        EXPECT_EQ(n % 8, 0u);
        EXPECT_EQ(raw.size(), 8 + n + 5 * 2);
        EXPECT_EQ(raw.substr(8, 31), R"({"__metadata__":{"format":"pt"})");
        auto file = SafetensorsFile::open(dir / "t.safetensors");
        EXPECT_EQ(file->find("alpha")->begin, 0u);
        EXPECT_EQ(file->find("zeta")->begin, 4u);
        EXPECT_EQ(file->find("zeta")->dtype, dtype);
        EXPECT_EQ(file->f32Data(*file->find("zeta")), nullptr);
        if (dtype == DType::F16) {
            EXPECT_EQ(file->toFloat(*file->find("zeta")), a);
        }
        EXPECT_EQ(file->toFloat(*file->find("alpha")), b);
    }
}

TEST(Safetensors, WriterRejectsValueCountNotMatchingShape) {
    TempDir dir;
    const std::vector<float> v = {1, 2, 3};
    EXPECT_THROW(writeSafetensors(dir / "x.safetensors", {{"t", {2, 2}, v}}, DType::F32), Error);
}

// ---- half and bfloat16 ------------------------------------------------------------------------

TEST(HalfFloat, GoldenValues) {
    EXPECT_EQ(halfToFloat(0x0000), 0.0f);
    EXPECT_TRUE(std::signbit(halfToFloat(0x8000)));
    EXPECT_EQ(halfToFloat(0x8000), 0.0f);
    EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));     // smallest subnormal
    EXPECT_EQ(halfToFloat(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
    EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14));     // smallest normal
    EXPECT_EQ(halfToFloat(0x3c00), 1.0f);
    EXPECT_EQ(halfToFloat(0x3c01), 1.0f + std::ldexp(1.0f, -10));
    EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
    EXPECT_EQ(halfToFloat(0xc000), -2.0f);
    EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);
    EXPECT_EQ(halfToFloat(0xfbff), -65504.0f);
    EXPECT_EQ(halfToFloat(0x7c00), std::numeric_limits<float>::infinity());
    EXPECT_EQ(halfToFloat(0xfc00), -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(halfToFloat(0x7e00)));
    EXPECT_TRUE(std::isnan(halfToFloat(0x7c01)));  // signalling NaN stays NaN, not inf
    EXPECT_TRUE(std::isnan(halfToFloat(0xfe00)));
}

TEST(HalfFloat, Bf16GoldenValues) {
    EXPECT_EQ(bf16ToFloat(0x3f80), 1.0f);
    EXPECT_EQ(bf16ToFloat(0xc040), -3.0f);
    EXPECT_EQ(bf16ToFloat(0x0001), std::ldexp(1.0f, -133));  // subnormal
    EXPECT_EQ(bf16ToFloat(0x7f80), std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::signbit(bf16ToFloat(0x8000)));
    EXPECT_TRUE(std::isnan(bf16ToFloat(0x7fc0)));
    EXPECT_EQ(floatToBf16(1.0f), 0x3f80);
    EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);        // tie → even
    EXPECT_EQ(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);    // tie → even (up)
    EXPECT_EQ(floatToBf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
    EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(std::nanf("")))));
}

TEST(HalfFloat, RoundsToNearestEven) {
    const float u = std::ldexp(1.0f, -24);                             // half subnormal step
    EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie → even (down)
    EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie → even (up)
    EXPECT_EQ(floatToHalf(65519.0f), 0x7bff);
    EXPECT_EQ(floatToHalf(65520.0f), 0x7c00);  // tie with 65536 → inf
    EXPECT_EQ(floatToHalf(-1e9f), 0xfc00);
    EXPECT_EQ(floatToHalf(u / 2), 0x0000);  // tie → even 0
    EXPECT_EQ(floatToHalf(std::nextafter(u / 2, 1.0f)), 0x0001);
    EXPECT_EQ(floatToHalf(3 * u / 2), 0x0002);                      // tie → even
    EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -14) - u / 2), 0x0400);  // carries into the normals
    EXPECT_EQ(floatToHalf(1e-10f), 0x0000);
    EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
    EXPECT_EQ(floatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
    EXPECT_EQ(floatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
    EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(std::nanf("")))));
}

TEST(HalfFloat, EveryHalfRoundTrips) {
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        const float f = halfToFloat(uint16_t(bits));
        if (std::isnan(f)) continue;
        ASSERT_EQ(floatToHalf(f), bits) << "bits 0x" << std::hex << bits;
    }
}

// Random float bit patterns against references computed another way.
TEST(HalfFloat, MatchesIndependentConversions) {
    std::mt19937 rng(7);
    for (int i = 0; i < 2'000'000; ++i) {
        const float f = std::bit_cast<float>(uint32_t(rng()));
        if (std::isnan(f)) continue;
#ifdef __FLT16_MAX__  // the compiler's own float → _Float16 conversion (round to nearest even)
        ASSERT_EQ(floatToHalf(f), std::bit_cast<uint16_t>(static_cast<_Float16>(f))) << f;
#endif
        // bfloat16: the nearer of the two neighbours in double arithmetic, ties to even; past the
        // largest finite value the upper neighbour is 2^128, which is stored as inf
        const uint16_t down = uint16_t(std::bit_cast<uint32_t>(f) >> 16), up = uint16_t(down + 1);
        const bool upIsInf = (up & 0x7fff) == 0x7f80;
        const double upValue = upIsInf ? std::copysign(std::ldexp(1.0, 128), f) : bf16ToFloat(up);
        const double dDown = std::fabs(double(f) - bf16ToFloat(down));
        const double dUp = std::fabs(double(f) - upValue);
        uint16_t expected = dDown < dUp ? down : dUp < dDown ? up : (down & 1 ? up : down);
        if (std::isinf(f)) expected = down;
        ASSERT_EQ(floatToBf16(f), expected) << f;
    }
}

// ---- malformed files --------------------------------------------------------------------------

// Writes `bytes` to a fresh file, opens it and returns the error message (fails if none).
std::string openError(std::string_view bytes) {
    TempDir dir;
    const auto path = dir / "case.safetensors";
    writeFile(path, bytes);
    try {
        SafetensorsFile::open(path);
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr(path.string()));  // every message names the file
        return e.what();
    }
    ADD_FAILURE() << "no error for a malformed file";
    return {};
}

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
           ",\"data_offsets\":" + offsets + "}";
}

const std::string k16Bytes(16, '\0');

TEST(SafetensorsMalformed, ValidBaselineOpens) {
    // the same builders with correct values give a file that opens, so the cases below fail
    // for the reason they name
    TempDir dir;
    writeFile(dir / "ok.safetensors",
              safetensorsBytes("{" + entry("a", "F32", "[2]", "[0,8]") + "," +
                                   entry("b", "F16", "[2,2]", "[8,16]") + "}",
                               k16Bytes));
    auto file = SafetensorsFile::open(dir / "ok.safetensors");
    EXPECT_EQ(file->tensors().size(), 2u);
}

TEST(Safetensors, MisalignedF32IsWidenedNotMapped) {
    // the spec's writers pad the header to 8 bytes; a file that isn't padded still loads, but
    // its F32 data cannot be used in place as float*
    std::string header = "{" + entry("a", "F32", "[1]", "[0,4]") + "}";
    if (header.size() % 4 == 0) header += ' ';
    const float value = 1.5f;
    std::string bytes(8, '\0');
    bytes[0] = char(header.size());
    bytes += header + std::string(reinterpret_cast<const char*>(&value), 4);
    TempDir dir;
    writeFile(dir / "odd.safetensors", bytes);
    auto file = SafetensorsFile::open(dir / "odd.safetensors");
    const TensorInfo& info = *file->find("a");
    EXPECT_EQ(file->f32Data(info), nullptr);
    EXPECT_EQ(file->toFloat(info), std::vector<float>{1.5f});
}

TEST(SafetensorsMalformed, EmptyFile) {
    EXPECT_THAT(openError(""), HasSubstr("empty"));
}

TEST(SafetensorsMalformed, FourByteFile) {
    EXPECT_THAT(openError(std::string("\x10\0\0\0", 4)), HasSubstr("only 4 bytes"));
}

TEST(SafetensorsMalformed, HeaderLengthPastEndOfFile) {
    std::string bytes = safetensorsBytes("{}");
    bytes[0] = char(200);
    EXPECT_THAT(openError(bytes), HasSubstr("header length 200 runs past the end of the file"));
}

TEST(SafetensorsMalformed, HugeHeaderLength) {
    std::string bytes = safetensorsBytes("{}");
    bytes.replace(0, 8, std::string("\0\0\0\0\0\0\0\x80", 8));  // 2^63
    EXPECT_THAT(openError(bytes), HasSubstr("header length 9223372036854775808 runs past the end"));
}

TEST(SafetensorsMalformed, HeaderLengthAboveLimit) {
    // a sparse 120 MB file whose header length (110 MB) fits in it but exceeds the 100 MB cap
    TempDir dir;
    const auto path = dir / "big.safetensors";
    const uint64_t n = 110'000'000;
    std::string length(8, '\0');
    for (int i = 0; i < 8; ++i) length[i] = char((n >> (8 * i)) & 0xff);
    writeFile(path, length);
    std::filesystem::resize_file(path, 120'000'000);
    try {
        SafetensorsFile::open(path);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr(path.string()));
        EXPECT_THAT(e.what(), HasSubstr("above the limit"));
    }
}

TEST(SafetensorsMalformed, HeaderNotJson) {
    EXPECT_THAT(openError(safetensorsBytes("{not json")), HasSubstr("header is not valid JSON"));
    EXPECT_THAT(openError(safetensorsBytes("")), HasSubstr("header is not valid JSON"));
}

TEST(SafetensorsMalformed, HeaderNotAnObject) {
    EXPECT_THAT(openError(safetensorsBytes("[1, 2]")), HasSubstr("header is not a JSON object"));
}

TEST(SafetensorsMalformed, HeaderNotUtf8) {
    const std::string header = "{\"w\xff\":" + std::string("{}") + "}";
    EXPECT_THAT(openError(safetensorsBytes(header)), HasSubstr("not valid UTF-8"));
    // an overlong encoding of '/' is not UTF-8 either
    EXPECT_THAT(openError(safetensorsBytes("{\"\xc0\xaf\":1}")), HasSubstr("not valid UTF-8"));
}

TEST(SafetensorsMalformed, DuplicateKey) {
    const std::string e = entry("a", "F32", "[2]", "[0,8]");
    EXPECT_THAT(openError(safetensorsBytes("{" + e + "," + e + "}", std::string(8, '\0'))),
                HasSubstr("key 'a' more than once"));
}

TEST(SafetensorsMalformed, OffsetsOutOfRange) {
    const std::string m =
        openError(safetensorsBytes("{" + entry("w", "F32", "[100]", "[0,400]") + "}", k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'w'"));
    EXPECT_THAT(m, HasSubstr("run past the end of the data section (16 bytes"));
}

TEST(SafetensorsMalformed, BeginAfterEnd) {
    const std::string m =
        openError(safetensorsBytes("{" + entry("w", "F32", "[1]", "[8,4]") + "}", k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'w': data_offsets [8,4]: begin > end"));
}

TEST(SafetensorsMalformed, OverlappingTensors) {
    const std::string m = openError(safetensorsBytes(
        "{" + entry("a", "F32", "[4]", "[0,16]") + "," + entry("b", "F32", "[2]", "[8,16]") + "}",
        k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'b': data overlaps tensor 'a'"));
}

TEST(SafetensorsMalformed, GapBetweenTensors) {
    const std::string m = openError(safetensorsBytes(
        "{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("b", "F32", "[2]", "[8,16]") + "}",
        k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'b': gap of 4 bytes"));
}

TEST(SafetensorsMalformed, TrailingBytesBelongToNoTensor) {
    const std::string m =
        openError(safetensorsBytes("{" + entry("a", "F32", "[2]", "[0,8]") + "}", k16Bytes));
    EXPECT_THAT(m, HasSubstr("8 bytes at the end of the data section belong to no tensor"));
}

TEST(SafetensorsMalformed, SizeNotMatchingShapeTimesDtype) {
    const std::string m =
        openError(safetensorsBytes("{" + entry("w", "F32", "[3]", "[0,16]") + "}", k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'w'"));
    EXPECT_THAT(m, HasSubstr("cover 16 bytes, but shape [3] of F32 needs 12"));
    // the same byte count is right for F16 [8] but not for BF16 [4]
    const std::string bf =
        openError(safetensorsBytes("{" + entry("w", "BF16", "[4]", "[0,16]") + "}", k16Bytes));
    EXPECT_THAT(bf, HasSubstr("shape [4] of BF16 needs 8"));
}

TEST(SafetensorsMalformed, ShapeWhoseByteSizeOverflows) {
    const std::string m = openError(safetensorsBytes(
        "{" + entry("w", "F32", "[4611686018427387904,8]", "[0,16]") + "}", k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'w': shape is too large"));
}

TEST(SafetensorsMalformed, UnknownDtype) {
    const std::string m =
        openError(safetensorsBytes("{" + entry("w", "F33", "[4]", "[0,16]") + "}", k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'w': unknown dtype \"F33\""));
}

TEST(SafetensorsMalformed, UnsupportedDtype) {
    const std::string m =
        openError(safetensorsBytes("{" + entry("w", "I64", "[2]", "[0,16]") + "}", k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'w': unsupported dtype I64"));
}

TEST(SafetensorsMalformed, NegativeDimension) {
    const std::string m =
        openError(safetensorsBytes("{" + entry("w", "F32", "[-2,-2]", "[0,16]") + "}", k16Bytes));
    EXPECT_THAT(m, HasSubstr("tensor 'w': negative dimension -2"));
}

TEST(SafetensorsMalformed, MalformedEntries) {
    EXPECT_THAT(openError(safetensorsBytes(R"({"w":{"dtype":"F32","shape":[4]}})", k16Bytes)),
                HasSubstr("tensor 'w': \"data_offsets\" must be two non-negative integers"));
    EXPECT_THAT(openError(safetensorsBytes(
                    R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[-1,15]}})", k16Bytes)),
                HasSubstr("tensor 'w': \"data_offsets\" must be"));
    EXPECT_THAT(
        openError(safetensorsBytes(R"({"w":{"shape":[4],"data_offsets":[0,16]}})", k16Bytes)),
        HasSubstr("tensor 'w': \"dtype\" is missing"));
    EXPECT_THAT(openError(safetensorsBytes(
                    R"({"w":{"dtype":"F32","shape":"4","data_offsets":[0,16]}})", k16Bytes)),
                HasSubstr("tensor 'w': \"shape\" is missing or not a list"));
    EXPECT_THAT(openError(safetensorsBytes(
                    R"({"w":{"dtype":"F32","shape":[4.0],"data_offsets":[0,16]}})", k16Bytes)),
                HasSubstr("tensor 'w': shape [4.0] is not a list of sizes"));
    EXPECT_THAT(openError(safetensorsBytes(R"({"w":[1,2]})", k16Bytes)),
                HasSubstr("tensor 'w': entry is not a JSON object"));
    EXPECT_THAT(openError(safetensorsBytes(R"({"__metadata__":{"format":1}})")),
                HasSubstr("\"__metadata__\" value of 'format' is not a string"));
}

TEST(SafetensorsMalformed, TruncatedFixture) {
    const std::string whole = readFile(fixtureModelDir() / "model.safetensors");
    const std::string m = openError(std::string_view(whole).substr(0, whole.size() / 2));
    EXPECT_THAT(m, HasSubstr("run past the end of the data section"));
    EXPECT_THAT(m, HasSubstr("truncated"));
}

TEST(SafetensorsMalformed, MissingFileAndDirectory) {
    TempDir dir;
    EXPECT_THAT([&] { SafetensorsFile::open(dir / "absent.safetensors"); },
                ::testing::ThrowsMessage<Error>(HasSubstr("absent.safetensors: cannot open")));
    EXPECT_THAT([&] { SafetensorsFile::open(dir.path()); },
                ::testing::ThrowsMessage<Error>(HasSubstr("not a regular file")));
}

// Every prefix and corrupted copies of a small valid file: each either opens or throws
// tscope::Error, never anything else (and never reads out of bounds: run under ASan in CI). A flip
// in the data section always opens and changes that one value; a flip in the header either
// opens or is refused, and both happen.
TEST(SafetensorsMalformed, TruncationsAndBitFlipsOpenOrThrowError) {
    TempDir dir;
    const auto path = dir / "f.safetensors";
    const std::string good = safetensorsBytes("{\"__metadata__\":{\"format\":\"pt\"}," +
                                                  entry("a", "F32", "[2]", "[0,8]") + "," +
                                                  entry("b", "BF16", "[2,2]", "[8,16]") + "}",
                                              k16Bytes);
    using Values = std::vector<std::vector<float>>;
    auto tryOpen = [&](const std::string& bytes) -> std::optional<Values> {
        writeFile(path, bytes);
        try {
            auto file = SafetensorsFile::open(path);
            Values values;
            for (const auto& [name, info] : file->tensors()) {
                values.push_back(file->toFloat(info));
                EXPECT_EQ(int64_t(values.back().size()), info.numel()) << name;
            }
            return values;
        } catch (const Error&) {
            return std::nullopt;
        }
    };
    for (size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(tryOpen(good.substr(0, n))) << n;
    const std::optional<Values> original = tryOpen(good);
    ASSERT_TRUE(original);
    const size_t dataStart = good.size() - k16Bytes.size();
    int headerOpened = 0, headerRefused = 0;
    for (size_t i = 0; i < good.size(); ++i) {  // one bit flipped in every byte
        std::string bytes = good;
        bytes[i] ^= char(1 << (i % 8));
        const std::optional<Values> flipped = tryOpen(bytes);
        if (i < dataStart) {
            ++(flipped ? headerOpened : headerRefused);
            continue;
        }
        ASSERT_TRUE(flipped) << "data byte " << i;
        int changed = 0;
        for (size_t t = 0; t < original->size(); ++t)
            for (size_t k = 0; k < (*original)[t].size(); ++k)
                changed += std::memcmp(&(*original)[t][k], &(*flipped)[t][k], 4) != 0;
        EXPECT_EQ(changed, 1) << "data byte " << i;
    }
    EXPECT_GT(headerOpened, 0);  // e.g. a flipped space of padding, or a letter of a name
    EXPECT_GT(headerRefused, 0);
}

}  // namespace
}  // namespace tscope
