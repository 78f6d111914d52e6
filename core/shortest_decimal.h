// Floats written as text (JSON) with the fewest digits that read back as the same float32.
#pragma once

namespace tscope {

// The double nearest to the shortest decimal that reads back as `x`: 0.1f becomes 0.1, not
// 0.10000000149011612 (which also reads back below a bound of 0.1). NaN for NaN and ±Inf, which
// nlohmann-json writes as null.
double shortestDecimal(float x);

}  // namespace tscope
