#include "core/head_scores.h"

#include <cmath>

#include "core/error.h"
#include "core/forward.h"
#include "core/sampling.h"

namespace tscope {

namespace {

using Index = Eigen::Index;

constexpr size_t idx(HeadScore s) {
    return size_t(s);
}

// Σ A[i, j] over the keys j < i with t[j] = t[i] (duplicate) or t[j−1] = t[i] (induction);
// nullopt when row i has no such key.
std::optional<double> sumOverMatches(const float* row, Index i, std::span<const int> t, int shift) {
    double sum = 0;
    bool any = false;
    for (Index j = shift; j < i; ++j)
        if (t[size_t(j - shift)] == t[size_t(i)]) {
            sum += row[j];
            any = true;
        }
    return any ? std::optional<double>(sum) : std::nullopt;
}

double rowEntropy(const float* row, Index i) {
    double h = 0;
    for (Index j = 0; j <= i; ++j)
        if (row[j] > 0) h -= double(row[j]) * std::log(double(row[j]));
    return h;
}

}  // namespace

const char* headScoreName(HeadScore score) {
    static const char* names[kHeadScoreCount] = {"prev_token",      "first_token", "self",
                                                 "duplicate_token", "induction",   "entropy"};
    return names[idx(score)];
}

void HeadScoreAccumulator::addRows(const ops::ConstMatRef& probs, Index t0,
                                   std::span<const int> tokens) {
    auto add = [&](HeadScore s, double v) {
        sum_[idx(s)] += v;
        rows_[idx(s)] += 1;
    };
    for (Index r = 0; r < probs.rows(); ++r) {
        const Index i = t0 + r;
        const float* row = probs.row(r).data();  // keys 0..i
        add(HeadScore::Self, row[i]);
        if (i == 0) continue;
        add(HeadScore::PrevToken, row[i - 1]);
        add(HeadScore::FirstToken, row[0]);
        add(HeadScore::Entropy, rowEntropy(row, i));
        if (auto dup = sumOverMatches(row, i, tokens, 0)) add(HeadScore::DuplicateToken, *dup);
        if (auto ind = sumOverMatches(row, i, tokens, 1)) add(HeadScore::Induction, *ind);
    }
}

HeadScores HeadScoreAccumulator::scores() const {
    HeadScores out;
    for (size_t s = 0; s < size_t(kHeadScoreCount); ++s)
        if (rows_[s] > 0) out.values[s] = sum_[s] / double(rows_[s]);
    return out;
}

HeadScores headScores(const ops::ConstMatRef& probs, std::span<const int> tokens) {
    if (probs.rows() != probs.cols() || size_t(probs.rows()) > tokens.size())
        throw Error("head scores: the pattern must be [T,T] with T ≤ the number of tokens");
    HeadScoreAccumulator acc;
    acc.addRows(probs, 0, tokens);
    return acc.scores();
}

HeadScoreGrid headScoreGrid(const Capture& capture) {
    HeadScoreGrid grid{capture.layers(), capture.heads(), {}};
    for (int l = 0; l < grid.layers; ++l)
        for (int h = 0; h < grid.heads; ++h)
            grid.cells.push_back(headScores(capture.computePattern(l, h).probs, capture.tokens()));
    return grid;
}

HeadScoreGrid headScoreGrid(std::shared_ptr<const Model> model, std::span<const int> ids) {
    const int L = model->config.n_layer, H = model->config.n_head;
    // one accumulator per head: the heads' threads each write their own
    std::vector<HeadScoreAccumulator> acc(size_t(L * H));
    const std::vector<int> tokens(ids.begin(), ids.end());
    ForwardOptions options;
    options.capture.level = CaptureLevel::None;
    options.hooks.attentionProbs = [&](int l, int h, const ops::ConstMatRef& p, Index t0) {
        acc[size_t(l * H + h)].addRows(p, t0, tokens);
    };
    Forward forward(std::move(model), options);
    forward.append(ids);
    HeadScoreGrid grid{L, H, {}};
    for (const auto& a : acc) grid.cells.push_back(a.scores());
    return grid;
}

int endOfTextId(const ModelConfig& config) {
    return config.vocab_size > 50256 ? 50256 : config.vocab_size - 1;
}

std::vector<int> repeatedRandomIds(const ModelConfig& config, int n, uint64_t seed) {
    if (n < 1) throw Error("repeated probe: N must be at least 1");
    if (2 * n + 1 > config.n_positions)
        throw Error("repeated probe: 2N + 1 = " + std::to_string(2 * n + 1) +
                    " tokens do not fit the context of " + std::to_string(config.n_positions));
    if (config.vocab_size < 2) throw Error("repeated probe: the vocabulary needs two ids");
    const int eot = endOfTextId(config);
    Rng rng(seed);
    std::vector<int> ids = {eot};
    for (int i = 0; i < n; ++i) {
        int id = int(rng.uniform() * (config.vocab_size - 1));  // [0, V−1), then skip eot
        ids.push_back(id >= eot ? id + 1 : id);
    }
    ids.insert(ids.end(), ids.begin() + 1, ids.end());
    return ids;
}

HeadScoreGrid averageGrids(std::span<const HeadScoreGrid> grids) {
    if (grids.empty()) return {};
    HeadScoreGrid mean{grids[0].layers, grids[0].heads, {}};
    mean.cells.resize(grids[0].cells.size());
    for (size_t c = 0; c < mean.cells.size(); ++c)
        for (size_t s = 0; s < size_t(kHeadScoreCount); ++s) {
            double sum = 0;
            int count = 0;
            for (const HeadScoreGrid& g : grids)
                if (auto v = g.cells[c].values[s]) {
                    sum += *v;
                    ++count;
                }
            if (count > 0) mean.cells[c].values[s] = sum / count;
        }
    return mean;
}

HeadScoreGrid repeatedProbeScores(std::shared_ptr<const Model> model, int n, uint64_t seed,
                                  int seeds) {
    if (seeds < 1) throw Error("repeated probe: at least one seed");
    std::vector<HeadScoreGrid> grids;
    for (int k = 0; k < seeds; ++k)
        grids.push_back(headScoreGrid(model, repeatedRandomIds(model->config, n, seed + k)));
    return averageGrids(grids);
}

}  // namespace tscope
