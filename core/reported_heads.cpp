#include "core/reported_heads.h"

namespace tscope {

std::vector<ReportedHead> reportedHeads(const ModelConfig& config) {
    if (config.n_layer != 12 || config.n_head != 12 || config.vocab_size != 50257) return {};
    return {{4, 11, "previous-token"},
            {2, 2, "previous-token"},
            {0, 1, "duplicate-token"},
            {0, 10, "duplicate-token"},
            {3, 0, "duplicate-token"},
            {5, 1, "induction"},
            {5, 5, "induction"},
            {6, 9, "induction"},
            {7, 2, "induction"},
            {7, 10, "induction"},
            {9, 9, "name mover"},
            {9, 6, "name mover"},
            {10, 0, "name mover"},
            {10, 7, "negative name mover"},
            {11, 10, "negative name mover"}};
}

}  // namespace tscope
