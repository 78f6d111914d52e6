#include "research_golden_util.h"

#include <fstream>

namespace tscope::testing {

const nlohmann::json& researchGolden() {
    static const nlohmann::json doc = [] {
        std::ifstream in(TSCOPE_FIXTURES "/research_golden.json");
        return nlohmann::json::parse(in);
    }();
    return doc;
}

std::shared_ptr<const Model> tinyGpt2() {
    static const std::shared_ptr<const Model> model = loadModel(TSCOPE_FIXTURES "/tiny-gpt2");
    return model;
}

std::vector<int> idsOf(const nlohmann::json& array) {
    return array.get<std::vector<int>>();
}

}  // namespace tscope::testing
