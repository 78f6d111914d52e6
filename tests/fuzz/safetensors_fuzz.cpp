// Fuzzes the safetensors reader: the input is a whole file (8-byte header length, JSON header,
// data). It must open or throw tscope::Error; an opened file's tensors must lie inside it and
// widen to exactly numel floats.
#include <cstring>

#include "core/error.h"
#include "core/safetensors.h"
#include "fuzz_util.h"

using namespace tscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = fuzz::writeScratch("model.safetensors", fuzz::asText(data, size));
    std::unique_ptr<SafetensorsFile> file;
    try {
        file = SafetensorsFile::open(path);
    } catch (const Error&) {
        return 0;
    }
    for (const auto& [name, info] : file->tensors()) {
        const auto bytes = file->bytes(info);
        fuzz::check(info.end <= file->fileSize() && bytes.size() == info.end - info.begin,
                    "tensor bytes outside the file");
        const std::vector<float> values = file->toFloat(info);
        fuzz::check(int64_t(values.size()) == info.numel(), "toFloat size != numel");
        if (const float* inPlace = file->f32Data(info); inPlace && !values.empty())
            fuzz::check(std::memcmp(inPlace, values.data(), values.size() * 4) == 0,
                        "f32Data and toFloat disagree");
    }
    return 0;
}
