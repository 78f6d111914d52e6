#include "ui/presenter/stage_data.h"

#include <cmath>
#include <limits>

#include "core/model.h"
#include "ui/session.h"

namespace tscope::ui::stage_data {

namespace {

bool validPosition(const Snapshot& s, int position) {
    return s.model && position >= 0 && position < s.length();
}

// Whether this layer's residual stream (and so its attention, on demand) is there.
bool keeps(const Snapshot& s, int layer) {
    return s.model && s.capture.T > 0 && s.capture.keeps(layer);
}

bool validHead(const Snapshot& s, int layer, int head) {
    return keeps(s, layer) && head >= 0 && head < s.capture.heads();
}

Matrix copySquare(const RowMatrix& square) {
    const int T = int(square.rows());
    Matrix m{T, T, std::vector<float>(size_t(T) * size_t(T))};
    Eigen::Map<RowMatrix>(m.values.data(), T, T) = square;
    return m;
}

template <typename Row>
std::vector<float> toVector(const Row& row) {
    std::vector<float> out(size_t(row.size()));
    for (Eigen::Index i = 0; i < row.size(); ++i) out[size_t(i)] = row(i);
    return out;
}

}  // namespace

ModelCard modelCard(const Model& model) {
    const ModelConfig& c = model.config;
    const int64_t C = c.n_embd, F = c.n_inner, L = c.n_layer;
    ModelCard card;
    card.vocab = c.vocab_size;
    card.context = c.n_positions;
    card.width = c.n_embd;
    card.heads = c.n_head;
    card.layers = c.n_layer;
    card.parameters = model.weights.parameterCount;
    card.embeddings = int64_t(c.vocab_size) * C + int64_t(c.n_positions) * C;
    card.attention = L * (C * 3 * C + 3 * C + C * C + C);
    card.mlp = L * (C * F + F + F * C + C);
    card.layerNorms = L * 4 * C + 2 * C;
    return card;
}

std::vector<float> embeddingRow(const Snapshot& s, int position, Which which) {
    if (!validPosition(s, position)) return {};
    const ModelWeights& w = s.model->weights;
    if (position >= w.wpe.rows) return {};
    const int id = s.tokens[size_t(position)].id;
    const RowVector token = w.wteT.col(id).transpose();
    const auto place = w.wpe.map().row(position);
    if (which == Which::Token) return toVector(token);
    if (which == Which::Position) return toVector(place);
    return toVector(RowVector(token + place));
}

Matrix attentionProbs(const Snapshot& s, int layer, int head) {
    if (!validHead(s, layer, head)) return {};
    return copySquare(s.capture.pattern(layer, head)->probs);  // computed on demand, cached
}

Matrix attentionScores(const Snapshot& s, int layer, int head) {
    if (!validHead(s, layer, head)) return {};
    Matrix m = copySquare(s.capture.pattern(layer, head)->scores);
    for (int q = 0; q < m.rows; ++q)  // the mask, whatever the buffer holds above the diagonal
        for (int k = q + 1; k < m.cols; ++k)
            m.values[size_t(q) * size_t(m.cols) + size_t(k)] =
                -std::numeric_limits<float>::infinity();
    return m;
}

std::optional<AttentionSteps> attentionSteps(const Snapshot& s, int layer, int head, int position) {
    if (!validHead(s, layer, head) || !validPosition(s, position) || position >= s.capture.T)
        return std::nullopt;
    return tscope::attentionSteps(s.capture, layer, head, position);
}

float residualNorm(const Snapshot& s, int layer, int position) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    if (!validPosition(s, position) || position >= s.capture.T) return nan;
    if (layer < 0) {
        const std::vector<float> x = embeddingRow(s, position, Which::Sum);
        double sum = 0;
        for (float v : x) sum += double(v) * v;
        return x.empty() ? nan : float(std::sqrt(sum));
    }
    return keeps(s, layer) ? s.capture.residPost(layer).row(position).norm() : nan;
}

std::vector<TokenScore> lensTop(const Snapshot& s, int layer, int position, int k) {
    if (!validPosition(s, position) || position >= s.capture.T) return {};
    if (layer < 0) {
        const std::vector<float> x = embeddingRow(s, position, Which::Sum);
        return logitLens(*s.model, Eigen::Map<const Vector>(x.data(), Eigen::Index(x.size())), k);
    }
    if (!keeps(s, layer)) return {};
    return logitLens(*s.model, s.capture, layer, LensPoint::AfterMlp, position, k);
}

std::vector<float> lastLogits(const Snapshot& s) {
    const Vector& logits = s.capture.logitsLast();
    return std::vector<float>(logits.data(), logits.data() + logits.size());
}

std::vector<float> finalVector(const Snapshot& s) {
    const int T = s.capture.T;
    if (T <= 0 || !s.model) return {};
    return toVector(s.capture.lnf(T - 1, 1).row(0));  // ln_f of the last block's output
}

}  // namespace tscope::ui::stage_data
