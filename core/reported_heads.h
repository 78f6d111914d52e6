// Heads whose roles the interpretability literature reports for GPT-2 small (previous-token,
// duplicate-token, induction, name-mover and negative name-mover heads, e.g. Wang et al. 2022,
// "Interpretability in the Wild", and Olsson et al. 2022 on induction heads). They are shown as
// "reported" labels next to our own scores, never as results of this program.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace tscope {

struct ReportedHead {
    int layer = 0, head = 0;
    std::string role;  // "previous-token", "duplicate-token", "induction", "name mover", …
};

// The reported heads when the model has GPT-2 small's shape (12 layers × 12 heads, vocabulary
// 50257); empty for any other model, where these labels would mean nothing.
std::vector<ReportedHead> reportedHeads(const ModelConfig& config);

}  // namespace tscope
