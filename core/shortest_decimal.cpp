#include "core/shortest_decimal.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace tscope {

double shortestDecimal(float x) {
    if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
    char text[32];
    const auto end = std::to_chars(text, text + sizeof(text) - 1, x).ptr;
    *end = '\0';
    return std::strtod(text, nullptr);
}

}  // namespace tscope
