// Reads of the token-embedding matrix for the embeddings view: nearest tokens by cosine
// similarity and word arithmetic ("king - man + woman"). Pure functions on wte; no model run.
//
// Shapes: V = vocabulary, C = n_embd; wteT [C, V] is wteᵀ in column panels (ModelWeights::wteT,
// the copy the engine reads): token v's embedding is its column v.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/panels.h"
#include "core/tensor.h"

namespace tscope {
class Tokenizer;
}

namespace tscope::ui {

struct Neighbour {
    int id = 0;
    float cosine = 0;
};

// ‖wte[v]‖ for every token: [V], the norms of wteT's columns. One pass; compute once per model.
Vector tokenNorms(const PanelsRef& wteT);

// The k tokens whose embeddings are most similar to x by cosine, best first, skipping the ids in
// `exclude` (and embeddings of zero norm). norms = tokenNorms(wteT). One product x · wteT.
std::vector<Neighbour> nearestByCosine(const PanelsRef& wteT, const Vector& norms,
                                       const Eigen::Ref<const Vector>& x, int k,
                                       const std::vector<int>& exclude = {});

// One signed word of an expression: +1 or −1, the word as typed, and its token ids.
struct ArithmeticTerm {
    int sign = +1;
    std::string word;
    std::vector<int> ids;  // the word tokenized with a leading space (" king"), or "#123" → 123
};

// Parses "king - man + woman": words separated by + and −, the first may carry a sign. A word
// that is several tokens stands for the mean of their embeddings. "#id" names a token id
// directly. Throws tscope::Error with a readable message for empty input, a dangling operator
// or an id outside the vocabulary.
std::vector<ArithmeticTerm> parseArithmetic(std::string_view text, const Tokenizer* tokenizer,
                                            int vocabSize);

// Σ sign · mean(wte[ids]) over the terms, wte's rows read as wteT's columns: [C].
Vector evaluateArithmetic(const std::vector<ArithmeticTerm>& terms, const PanelsRef& wteT);

}  // namespace tscope::ui
