#include "core/attention_steps.h"

#include <cmath>

#include "core/error.h"

namespace tscope {

AttentionSteps attentionSteps(const Capture& capture, int layer, int head, int query) {
    if (layer < 0 || layer >= capture.layers() || !capture.keeps(layer))
        throw Error("attention steps: layer " + std::to_string(layer) + " was not captured");
    if (head < 0 || head >= capture.heads() || query < 0 || query >= capture.T)
        throw Error("attention steps: no head " + std::to_string(head) + " / query " +
                    std::to_string(query) + " here");
    const Eigen::Index D = capture.model().config.headDim(), c0 = Eigen::Index(head) * D;
    const Eigen::Index n = query + 1;  // the causal mask: keys up to the query itself
    AttentionSteps steps;
    steps.layer = layer;
    steps.head = head;
    steps.query = query;
    steps.scale = float(1.0 / std::sqrt(double(D)));
    steps.q = capture.q(layer).row(query).segment(c0, D);
    steps.k = capture.k(layer).topRows(n).middleCols(c0, D);
    steps.v = capture.v(layer).topRows(n).middleCols(c0, D);
    AttentionQueryRow row = capture.attentionRow(layer, head, query);
    steps.scores = std::move(row.scores);
    steps.weights = std::move(row.probs);
    steps.out = std::move(row.out);
    return steps;
}

}  // namespace tscope
