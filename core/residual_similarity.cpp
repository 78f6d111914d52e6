#include "core/residual_similarity.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace tscope {

namespace {

void checkPosition(const Capture& c, int t, const char* which) {
    if (t < 0 || t >= c.T)
        throw Error(std::string("token position ") + std::to_string(t) + " is outside the " +
                    which + " prompt (" + std::to_string(c.T) + " tokens)");
}

// [C] the residual of position t entering block `layer`; layer L = the last block's output.
RowVector residualAt(const Capture& c, int layer, int t) {
    if (layer < c.layers()) return c.residIn(layer, t, 1).row(0);
    return c.residPost(c.layers() - 1).row(t);
}

}  // namespace

double cosineSimilarity(std::span<const float> a, std::span<const float> b) {
    if (a.size() != b.size())
        throw Error("cosine similarity of vectors of different lengths (" +
                    std::to_string(a.size()) + " and " + std::to_string(b.size()) + ")");
    double dot = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * double(b[i]);
        aa += double(a[i]) * double(a[i]);
        bb += double(b[i]) * double(b[i]);
    }
    if (aa == 0 || bb == 0) return 0;
    return dot / std::sqrt(aa * bb);
}

std::vector<double> residualCosineByLayer(const Capture& a, int ta, const Capture& b, int tb) {
    checkPosition(a, ta, "first");
    checkPosition(b, tb, "second");
    if (a.layers() != b.layers())
        throw Error("the two prompts ran on models with different numbers of layers");
    std::vector<double> cosines;
    for (int layer = 0; layer <= a.layers(); ++layer) {
        const RowVector x = residualAt(a, layer, ta), y = residualAt(b, layer, tb);  // [C]
        cosines.push_back(
            cosineSimilarity({x.data(), size_t(x.size())}, {y.data(), size_t(y.size())}));
    }
    return cosines;
}

}  // namespace tscope
