// The research tools' golden numbers (tests/fixtures/research_golden.json, written by
// tests/golden/make_research_golden.py from an independent numpy GPT-2) and the fixture model.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/model.h"

namespace tscope::testing {

const nlohmann::json& researchGolden();
std::shared_ptr<const Model> tinyGpt2();
std::vector<int> idsOf(const nlohmann::json& array);

}  // namespace tscope::testing
