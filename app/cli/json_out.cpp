#include "app/cli/json_out.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>

namespace tscope::cli {

double jsonFloat(float value) {
    if (!std::isfinite(value)) return std::numeric_limits<double>::quiet_NaN();
    // float → shortest decimal → double, so 0.1f prints as 0.1 rather than 0.10000000149011612
    char text[32];
    const auto result = std::to_chars(text, text + sizeof(text) - 1, value);
    *result.ptr = '\0';
    return std::strtod(text, nullptr);
}

json floatArray(std::span<const float> values) {
    json out = json::array();
    out.get_ref<json::array_t&>().reserve(values.size());
    for (float v : values) out.push_back(jsonFloat(v));
    return out;
}

json floatArray(const Eigen::Ref<const RowVector>& row) {
    return floatArray(std::span<const float>(row.data(), size_t(row.size())));
}

json tokenText(const Tokenizer* tokenizer, int id) {
    if (!tokenizer || !tokenizer->hasId(id)) return nullptr;
    return tokenizer->tokenDisplay(id);
}

void printJson(const json& document, bool compact) {
    std::cout << document.dump(compact ? -1 : 2, ' ', false, json::error_handler_t::replace)
              << '\n';
    std::cout.flush();
}

}  // namespace tscope::cli
