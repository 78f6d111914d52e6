#include "app/cli/json_out.h"

#include <iostream>

#include "core/shortest_decimal.h"

namespace tscope::cli {

double jsonFloat(float value) {
    return shortestDecimal(value);
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
