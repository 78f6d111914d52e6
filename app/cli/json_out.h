// JSON output helpers for tscope-cli: floats printed with the fewest digits that read back as the
// same float32, arrays of rows, token text that is null when there is no tokenizer.
#pragma once

#include <nlohmann/json.hpp>
#include <span>

#include "core/tensor.h"
#include "core/tokenizer.h"

namespace tscope::cli {

using json = nlohmann::ordered_json;  // keys in the order written, for readable output

// The shortest decimal that round-trips the float, as a double (NaN/Inf become JSON null).
double jsonFloat(float value);

json floatArray(std::span<const float> values);
json floatArray(const Eigen::Ref<const RowVector>& row);

// The display text of a token (UTF-8, U+FFFD for partial characters), or null without tokenizer.
json tokenText(const Tokenizer* tokenizer, int id);

// Writes the document to stdout: pretty (indent 2) or compact, invalid UTF-8 replaced.
void printJson(const json& document, bool compact);

}  // namespace tscope::cli
