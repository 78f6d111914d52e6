#include "core/safetensors.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "core/error.h"
#include "core/file_io.h"
#include "core/memory_hints.h"

namespace tscope {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

using nlohmann::json;
using Path = std::filesystem::path;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit

[[noreturn]] void fail(const Path& path, const std::string& what) {
    throw Error(path.string() + ": " + what);
}
[[noreturn]] void failTensor(const Path& path, const std::string& name, const std::string& what) {
    fail(path, "tensor '" + name + "': " + what);
}

uint64_t readU64(const std::byte* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | uint64_t(p[i]);
    return v;
}

uint16_t readU16(const std::byte* p) {
    return uint16_t(uint16_t(p[0]) | uint16_t(p[1]) << 8);
}

// Offset of the first byte that breaks UTF-8 (overlongs and surrogates included), or npos.
size_t invalidUtf8At(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = uint8_t(s[i]);
        int len = c < 0x80                 ? 1
                  : c >= 0xC2 && c <= 0xDF ? 2
                  : c >= 0xE0 && c <= 0xEF ? 3
                  : c >= 0xF0 && c <= 0xF4 ? 4
                                           : 0;
        if (len == 0 || i + len > s.size()) return i;
        uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
        for (int k = 1; k < len; ++k) {
            const auto b = uint8_t(s[i + k]);
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return i;
        }
        i += size_t(len);
    }
    return std::string_view::npos;
}

// Parses the header JSON, refusing duplicate keys (nlohmann would silently keep the last one).
json parseHeaderJson(std::string_view text, const Path& path) {
    if (size_t bad = invalidUtf8At(text); bad != std::string_view::npos)
        fail(path, "header is not valid UTF-8 (byte " + std::to_string(bad) + " of the header)");
    std::vector<std::set<std::string>> openObjects;
    std::string duplicate;
    auto noteKeys = [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) openObjects.emplace_back();
        if (event == json::parse_event_t::object_end) openObjects.pop_back();
        if (event == json::parse_event_t::key &&
            !openObjects.back().insert(parsed.get<std::string>()).second && duplicate.empty())
            duplicate = parsed.get<std::string>();
        return true;
    };
    json header;
    try {
        header = json::parse(text.begin(), text.end(), noteKeys);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
        fail(path, std::string("header is not valid JSON: ") + e.what());
    }
    if (!duplicate.empty()) fail(path, "header has the key '" + duplicate + "' more than once");
    if (!header.is_object()) fail(path, "header is not a JSON object");
    return header;
}

DType parseDType(const json& value, const Path& path, const std::string& name) {
    if (!value.is_string()) failTensor(path, name, "\"dtype\" is missing or not a string");
    const auto s = value.get<std::string>();
    if (s == "F32") return DType::F32;
    if (s == "F16") return DType::F16;
    if (s == "BF16") return DType::BF16;
    static const std::set<std::string> known = {
        "BOOL", "U8",      "I8",      "U16",     "I16", "U32",     "U64",     "I32", "I64",
        "F64",  "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4",  "F6_E2M3", "F6_E3M2", "C64"};
    if (known.count(s))
        failTensor(path, name,
                   "unsupported dtype " + s + " (only F32, F16 and BF16 are supported)");
    failTensor(path, name, "unknown dtype \"" + s + "\"");
}

std::vector<int64_t> parseShape(const json& value, const Path& path, const std::string& name) {
    if (!value.is_array()) failTensor(path, name, "\"shape\" is missing or not a list");
    std::vector<int64_t> shape;
    for (const json& d : value) {
        if (d.is_number_integer() && !d.is_number_unsigned())
            failTensor(path, name, "negative dimension " + d.dump() + " in shape " + value.dump());
        if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(INT64_MAX))
            failTensor(path, name, "shape " + value.dump() + " is not a list of sizes");
        shape.push_back(int64_t(d.get<uint64_t>()));
    }
    return shape;
}

// Bytes the shape needs, or throws if the product overflows.
uint64_t shapeBytes(const TensorInfo& t, const Path& path) {
    uint64_t n = dtypeSize(t.dtype);
    for (int64_t d : t.shape)
        if (__builtin_mul_overflow(n, uint64_t(d), &n))
            failTensor(path, t.name, "shape is too large (its byte size overflows 64 bits)");
    return n;
}

void parseOffsets(const json& value, TensorInfo& t, uint64_t dataBytes, const Path& path) {
    if (!value.is_array() || value.size() != 2 || !value[0].is_number_unsigned() ||
        !value[1].is_number_unsigned())
        failTensor(path, t.name, "\"data_offsets\" must be two non-negative integers [begin, end]");
    t.begin = value[0].get<uint64_t>();
    t.end = value[1].get<uint64_t>();
    const std::string offsets = value.dump();
    if (t.begin > t.end) failTensor(path, t.name, "data_offsets " + offsets + ": begin > end");
    if (t.end > dataBytes)
        failTensor(path, t.name,
                   "data_offsets " + offsets + " run past the end of the data section (" +
                       std::to_string(dataBytes) + " bytes; is the file truncated?)");
    const uint64_t need = shapeBytes(t, path);
    if (t.end - t.begin != need)
        failTensor(path, t.name,
                   "data_offsets " + offsets + " cover " + std::to_string(t.end - t.begin) +
                       " bytes, but shape " + json(t.shape).dump() + " of " + dtypeName(t.dtype) +
                       " needs " + std::to_string(need));
}

TensorInfo parseTensor(const std::string& name, const json& entry, uint64_t dataBytes,
                       const Path& path) {
    if (!entry.is_object()) failTensor(path, name, "entry is not a JSON object");
    auto field = [&](const char* key) { return entry.contains(key) ? entry[key] : json(); };
    TensorInfo t;
    t.name = name;
    t.dtype = parseDType(field("dtype"), path, name);
    t.shape = parseShape(field("shape"), path, name);
    parseOffsets(field("data_offsets"), t, dataBytes, path);
    return t;
}

std::map<std::string, std::string> parseMetadata(const json& value, const Path& path) {
    std::map<std::string, std::string> metadata;
    if (!value.is_object()) fail(path, "\"__metadata__\" is not a JSON object");
    for (const auto& [key, v] : value.items()) {
        if (!v.is_string()) fail(path, "\"__metadata__\" value of '" + key + "' is not a string");
        metadata[key] = v.get<std::string>();
    }
    return metadata;
}

// The spec asks the tensors to tile the data section exactly: no overlap, no holes.
void checkLayout(const std::map<std::string, TensorInfo>& tensors, uint64_t dataBytes,
                 const Path& path) {
    std::vector<const TensorInfo*> order;
    for (const auto& [name, t] : tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) {
        return std::pair(a->begin, a->end) < std::pair(b->begin, b->end);
    });
    uint64_t covered = 0;
    const TensorInfo* previous = nullptr;
    for (const TensorInfo* t : order) {
        if (t->begin < covered)
            failTensor(path, t->name, "data overlaps tensor '" + previous->name + "'");
        if (t->begin > covered)
            failTensor(path, t->name,
                       "gap of " + std::to_string(t->begin - covered) +
                           " bytes before its data (the format forbids holes)");
        covered = t->end;
        previous = t;
    }
    if (covered != dataBytes)
        fail(path, std::to_string(dataBytes - covered) +
                       " bytes at the end of the data section belong to no tensor");
}

// Maps the whole file read-only; refuses files too short to hold the 8-byte header length.
std::pair<const std::byte*, uint64_t> mapReadOnly(const Path& path) {
    const RegularFile file(path);  // never blocks; refuses FIFOs, devices, directories
    const uint64_t size = file.size();
    if (size == 0) fail(path, "file is empty (a safetensors file starts with an 8-byte length)");
    if (size < 8)
        fail(path, "file is only " + std::to_string(size) +
                       " bytes, shorter than the 8-byte header length");
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd(), 0);
    if (p == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(errno));
    return {static_cast<const std::byte*>(p), size};
}

uint64_t headerLength(const std::byte* map, uint64_t size, const Path& path) {
    const uint64_t n = readU64(map);
    if (n > size - 8)
        fail(path, "header length " + std::to_string(n) + " runs past the end of the file (" +
                       std::to_string(size) + " bytes)");
    if (n > kMaxHeaderBytes)
        fail(path, "header length " + std::to_string(n) + " is above the limit of " +
                       std::to_string(kMaxHeaderBytes) + " bytes");
    return n;
}

}  // namespace

const char* dtypeName(DType dtype) {
    switch (dtype) {
        case DType::F32:
            return "F32";
        case DType::F16:
            return "F16";
        case DType::BF16:
            return "BF16";
    }
    return "?";
}

size_t dtypeSize(DType dtype) {
    return dtype == DType::F32 ? 4 : 2;
}

int64_t TensorInfo::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const Path& path) {
    std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
    file->path_ = path;
    // owned by `file` at once, so the destructor unmaps also when the header is rejected
    std::tie(file->map_, file->size_) = mapReadOnly(path);
    file->dataStart_ = 8 + headerLength(file->map_, file->size_, path);
    const uint64_t dataBytes = file->size_ - file->dataStart_;
    const json header = parseHeaderJson(
        std::string_view(reinterpret_cast<const char*>(file->map_ + 8), file->dataStart_ - 8),
        path);
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__")
            file->metadata_ = parseMetadata(entry, path);
        else
            file->tensors_[name] = parseTensor(name, entry, dataBytes, path);
    }
    checkLayout(file->tensors_, dataBytes, path);
    return file;
}

SafetensorsFile::~SafetensorsFile() {
    if (map_) ::munmap(const_cast<std::byte*>(map_), size_);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
}

std::span<const std::byte> SafetensorsFile::bytes(const TensorInfo& info) const {
    return {map_ + dataStart_ + info.begin, size_t(info.end - info.begin)};
}

const float* SafetensorsFile::f32Data(const TensorInfo& info) const {
    const std::byte* p = bytes(info).data();
    // a float* must be 4-byte aligned; files written per the spec always are
    if (info.dtype != DType::F32 || reinterpret_cast<uintptr_t>(p) % alignof(float) != 0)
        return nullptr;
    return reinterpret_cast<const float*>(p);
}

std::vector<float> SafetensorsFile::toFloat(const TensorInfo& info) const {
    const std::span<const std::byte> raw = bytes(info);
    std::vector<float> out(raw.size() / dtypeSize(info.dtype));
    if (info.dtype == DType::F32) {
        if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());  // both null when empty
        return out;
    }
    const auto widen = info.dtype == DType::F16 ? halfToFloat : bf16ToFloat;
    for (size_t i = 0; i < out.size(); ++i) out[i] = widen(readU16(raw.data() + 2 * i));
    return out;
}

void SafetensorsFile::releasePages(const TensorInfo& info) const {
    // a hint: a read-only private mapping reads the file again on the next access
    memory::releasePages(bytes(info).data(), size_t(info.end - info.begin));
}

float halfToFloat(uint16_t bits) {
    const uint32_t sign = uint32_t(bits & 0x8000) << 16;
    const uint32_t exponent = (bits >> 10) & 0x1f;
    const uint32_t mantissa = bits & 0x3ff;
    if (exponent == 0) {  // zero or subnormal: mantissa · 2^-24, exact in float
        const float magnitude = std::ldexp(float(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31)  // inf, or NaN with its payload kept
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

float bf16ToFloat(uint16_t bits) {
    return std::bit_cast<float>(uint32_t(bits) << 16);
}

namespace {

// Shifts right by `shift` bits, rounding to nearest, ties to even.
uint32_t shiftRoundEven(uint32_t value, int shift) {
    const uint32_t kept = value >> shift;
    const uint32_t rest = value & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    return kept + (rest > half || (rest == half && (kept & 1)) ? 1 : 0);
}

}  // namespace

uint16_t floatToHalf(float value) {
    const uint32_t x = std::bit_cast<uint32_t>(value);
    const auto sign = uint16_t((x >> 16) & 0x8000);
    const uint32_t magnitude = x & 0x7fffffff;
    const int exponent = int(magnitude >> 23);
    if (magnitude > 0x7f800000) return uint16_t(sign | 0x7e00 | ((magnitude >> 13) & 0x3ff));
    if (magnitude >= 0x477ff000) return sign | 0x7c00;  // ≥ 65520 rounds to inf
    if (exponent < 102) return sign;                    // below half the smallest subnormal
    if (exponent < 113) {  // half subnormal: round(value · 2^24); may carry into the first normal
        const uint32_t significand = (magnitude & 0x7fffff) | 0x800000;
        return uint16_t(sign | shiftRoundEven(significand, 126 - exponent));
    }
    // normal: rebias 127 → 15 and round 23 → 10 mantissa bits; a carry bumps the exponent
    return uint16_t(sign | shiftRoundEven(magnitude - (112u << 23), 13));
}

uint16_t floatToBf16(float value) {
    const uint32_t x = std::bit_cast<uint32_t>(value);
    if ((x & 0x7fffffff) > 0x7f800000) return uint16_t((x >> 16) | 0x40);  // quiet NaN
    return uint16_t(shiftRoundEven(x, 16));
}

void writeSafetensors(const Path& path, const std::vector<TensorToWrite>& tensors, DType dtype) {
    std::vector<const TensorToWrite*> sorted;
    for (const auto& t : tensors) sorted.push_back(&t);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* a, const auto* b) { return a->name < b->name; });
    nlohmann::ordered_json header;
    header["__metadata__"] = {{"format", "pt"}};
    uint64_t offset = 0;
    for (const TensorToWrite* t : sorted) {
        int64_t numel = 1;
        for (int64_t d : t->shape) numel *= d;
        if (numel != int64_t(t->values.size()) || header.contains(t->name))
            throw Error(path.string() + ": cannot write tensor '" + t->name +
                        "': duplicate name or value count does not match its shape");
        const uint64_t bytes = uint64_t(numel) * dtypeSize(dtype);
        header[t->name] = {{"dtype", dtypeName(dtype)},
                           {"shape", t->shape},
                           {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');

    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error(path.string() + ": cannot open for writing");
    uint64_t length = text.size();
    out.write(reinterpret_cast<const char*>(&length), 8);
    out.write(text.data(), std::streamsize(text.size()));
    for (const TensorToWrite* t : sorted) {
        if (dtype == DType::F32) {
            out.write(reinterpret_cast<const char*>(t->values.data()),
                      std::streamsize(t->values.size() * 4));
            continue;
        }
        std::vector<uint16_t> narrow(t->values.size());
        const auto convert = dtype == DType::F16 ? floatToHalf : floatToBf16;
        std::transform(t->values.begin(), t->values.end(), narrow.begin(), convert);
        out.write(reinterpret_cast<const char*>(narrow.data()), std::streamsize(narrow.size() * 2));
    }
    if (!out) throw Error(path.string() + ": write failed");
}

}  // namespace tscope
