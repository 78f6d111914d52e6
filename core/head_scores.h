// Head-role scores: six numbers per attention head that say what kind of head it is
// (previous-token, first-token/sink, self, duplicate-token, induction, how spread out).
// For a head with attention probabilities A [T,T] on token ids t:
//   prev_token      mean over rows i ≥ 1 of A[i, i−1]
//   first_token     mean over rows i ≥ 1 of A[i, 0]
//   self            mean over all rows i of A[i, i]
//   duplicate_token mean, over rows i with some j < i and t[j] = t[i], of Σ A[i, j] over those j
//   induction       mean, over rows i with some 1 ≤ j ≤ i−1 and t[j−1] = t[i], of Σ A[i, j]
//                   over those j
//   entropy         mean over rows i ≥ 1 of −Σ_j A[i, j] ln A[i, j] (nats)
// Rows without a target are left out of a mean; a score with no row at all is null (nullopt).
// It also builds the standard probe (the repeated random sequence) and averages over its seeds.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/capture.h"
#include "core/model.h"
#include "core/ops.h"

namespace tscope {

enum class HeadScore { PrevToken, FirstToken, Self, DuplicateToken, Induction, Entropy };
inline constexpr int kHeadScoreCount = 6;
// "prev_token", "first_token", "self", "duplicate_token", "induction", "entropy"
const char* headScoreName(HeadScore score);

// The six scores of one head; each is nullopt when it has no row.
struct HeadScores {
    std::array<std::optional<double>, kHeadScoreCount> values;
    std::optional<double> operator[](HeadScore s) const { return values[size_t(s)]; }
};

// Sums and row counts of the six scores; fed any number of row blocks (the forward pass hands
// over rows [t0, t0 + n) of each head), so a score can be taken without keeping A.
class HeadScoreAccumulator {
  public:
    // probs [n, ≥ t0+n]: rows t0..t0+n−1 of A; tokens: at least t0 + n ids.
    void addRows(const ops::ConstMatRef& probs, Eigen::Index t0, std::span<const int> tokens);
    HeadScores scores() const;

  private:
    std::array<double, kHeadScoreCount> sum_{};
    std::array<long, kHeadScoreCount> rows_{};
};

// The scores of one head from its full pattern A [T,T].
HeadScores headScores(const ops::ConstMatRef& probs, std::span<const int> tokens);

// Scores of every head: at(layer, head).
struct HeadScoreGrid {
    int layers = 0, heads = 0;
    std::vector<HeadScores> cells;  // [layers × heads], layer-major
    const HeadScores& at(int layer, int head) const { return cells[size_t(layer * heads + head)]; }
};

// Every head of a capture (patterns computed here, not cached).
HeadScoreGrid headScoreGrid(const Capture& capture);
// Every head on a prompt in one forward pass (the scores are taken as the probabilities are
// made, so nothing is stored).
HeadScoreGrid headScoreGrid(std::shared_ptr<const Model> model, std::span<const int> ids);

// The id of <|endoftext|>: 50256 when the vocabulary has it, else the last id.
int endOfTextId(const ModelConfig& config);
// <|endoftext|>, then n ids drawn (seeded Rng, uniform over the vocabulary without
// <|endoftext|>), then the same n again: 2n + 1 ids. Throws tscope::Error if it does not fit.
std::vector<int> repeatedRandomIds(const ModelConfig& config, int n, uint64_t seed);

// The mean of each score over grids (seeds); a cell's mean skips grids where it is null.
HeadScoreGrid averageGrids(std::span<const HeadScoreGrid> grids);

// The atlas on the standard probe: seeds seed, seed+1, …, seed+seeds−1, averaged.
HeadScoreGrid repeatedProbeScores(std::shared_ptr<const Model> model, int n, uint64_t seed,
                                  int seeds);

}  // namespace tscope
