// Stage 4, attention, for one head of the selected layer: the query of the selected token and the
// keys of the tokens it may see (as numbers and strips), the scores q·k/√d with the causal mask,
// the softmax weights, the weighted sum of the values; then every head of the layer side by side.
#include <QFontMetricsF>
#include <algorithm>
#include <cmath>

#include "core/model.h"
#include "ui/presenter/stage_data.h"
#include "ui/presenter/stage_painter.h"
#include "ui/presenter/stages.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kMaxShown = 10;      // the last positions of a matrix; more would not be readable
constexpr int kMaxVectorRows = 6;  // keys or values listed as numbers
enum Beat { kQueryKeys, kScores, kSoftmax, kWeightedSum, kAllHeads, kBeats };

// The bottom-right corner of a [T, T] matrix: the last `n` queries and keys.
stage_data::Matrix lastCorner(const stage_data::Matrix& m, int n) {
    const int from = std::max(m.rows - n, 0);
    stage_data::Matrix out{m.rows - from, m.cols - from, {}};
    for (int r = from; r < m.rows; ++r)
        for (int c = from; c < m.cols; ++c) out.values.push_back(m.at(r, c));
    return out;
}

template <typename Row>
std::vector<float> valuesOf(const Row& row) {
    return std::vector<float>(row.data(), row.data() + row.size());
}

float largestMagnitude(std::initializer_list<const Eigen::Ref<const RowMatrix>> blocks) {
    float range = 0;
    for (const auto& block : blocks) range = std::max(range, block.cwiseAbs().maxCoeff());
    return range;
}

int queryOf(const StageContext& c) {
    return std::clamp(c.position, 0, c.snapshot->length() - 1);
}

class AttentionStage : public Stage {
  public:
    QString title() const override { return "Attention"; }
    StageSpec spec() const override { return {kBeats, -1}; }
    QString beatName(int beat) const override {
        return QStringList{"Attention: queries and keys", "Attention: scores", "Attention: softmax",
                           "Attention: weighted sum of values", "Attention: all heads"}
            .value(beat);
    }
    QString sentence(const StageContext& c, int beat) const override {
        const int D = c.ready() ? c.snapshot->model->config.headDim() : 0;
        const int H = c.ready() ? c.snapshot->model->config.n_head : 0;
        const QString where = QString("Layer %1, head %2: ").arg(c.layer + 1).arg(c.head + 1);
        const QString token =
            c.ready() ? pieceOf(*c.snapshot, c.snapshot->tokens[size_t(queryOf(c))].id) : "";
        if (beat == kQueryKeys)
            return where + QString(
                               "“%1” asks with a query q; every token up to it offers a key k "
                               "(%2 numbers each).")
                               .arg(token)
                               .arg(D);
        if (beat == kScores)
            return where + QString(
                               "each query meets the keys of the tokens so far, "
                               "q·k/√%1; the future is masked (−∞).")
                               .arg(D);
        if (beat == kSoftmax)
            return where + "softmax turns each row into weights that add up to 1.";
        if (beat == kWeightedSum)
            return where + QString(
                               "the output for “%1” is the weighted sum of the values v: "
                               "Σ weight × v.")
                               .arg(token);
        return QString(
                   "%1 heads, in parallel: each layer looks at the sequence in %1 ways at "
                   "once.")
            .arg(H);
    }
    QString notes() const override {
        return "q, k and v are each token's vector times learned matrices, split into heads. "
               "Rows of the matrices are the token that looks (query), columns the tokens it "
               "looks at (keys). Pick the token by clicking its chip, the head with ← → in "
               "the normal window.";
    }

    void paintBody(StagePainter& sp, const StageContext& c, int beat) const override {
        const Snapshot& s = *c.snapshot;
        if (beat == kAllHeads) return paintAllHeads(sp, c);
        if (beat == kScores || beat == kSoftmax) {
            const stage_data::Matrix m = beat == kScores
                                             ? stage_data::attentionScores(s, c.layer, c.head)
                                             : stage_data::attentionProbs(s, c.layer, c.head);
            const stage_data::Matrix shown = lastCorner(m, kMaxShown);
            sp.matrix(sp.body(), tokenPieces(s, s.length() - shown.rows), shown, beat == kSoftmax);
            return;
        }
        const auto steps = stage_data::attentionSteps(s, c.layer, c.head, queryOf(c));
        if (!steps) return;
        if (beat == kQueryKeys) return paintQueryAndKeys(sp, s, *steps);
        paintWeightedSum(sp, s, *steps);
    }

  private:
    // Space between vector rows, so that `rows` of them (and a note) fill the body evenly.
    static double rowGap(StagePainter& sp, int rows) {
        const double height = QFontMetricsF(sp.font(StagePainter::kSmallPx, false, true)).height();
        const double room = sp.body().height() - rows * height;
        return std::clamp(room / (rows + 3), sp.px(8), sp.px(26));
    }

    // The keys listed: the last kMaxVectorRows up to and including the query.
    static int firstListed(const AttentionSteps& steps) {
        return std::max(0, steps.keys() - kMaxVectorRows);
    }

    static void paintQueryAndKeys(StagePainter& sp, const Snapshot& s, const AttentionSteps& st) {
        const QRectF body = sp.body();
        const float range = largestMagnitude({st.q, st.k});
        const double gap = rowGap(sp, st.keys() - firstListed(st) + 2);
        double y = body.top();
        const QString query = pieceOf(s, s.tokens[size_t(st.query)].id);
        y += sp.vectorRow(QRectF(body.left(), y, body.width(), 0), "q  " + query, valuesOf(st.q),
                          range, sp.accent()) +
             gap * 2;
        if (firstListed(st) > 0)
            y += sp.text(QRectF(body.left(), y, body.width(), sp.px(40)),
                         QString("… %1 earlier keys").arg(firstListed(st)),
                         sp.font(StagePainter::kSmallPx), sp.muted(), Qt::AlignLeft) +
                 gap;
        for (int j = firstListed(st); j < st.keys(); ++j)
            y += sp.vectorRow(QRectF(body.left(), y, body.width(), 0),
                              "k  " + pieceOf(s, s.tokens[size_t(j)].id), valuesOf(st.k.row(j)),
                              range, j == st.query ? sp.accent() : sp.foreground()) +
                 gap;
        const int later = s.length() - 1 - st.query;
        if (later > 0)
            sp.text(
                QRectF(body.left(), y + gap, body.width(), sp.px(40)),
                QString("%1 later token%2: masked, not seen").arg(later).arg(later > 1 ? "s" : ""),
                sp.font(StagePainter::kSmallPx), sp.muted(), Qt::AlignLeft);
    }

    static void paintWeightedSum(StagePainter& sp, const Snapshot& s, const AttentionSteps& st) {
        const QRectF body = sp.body();
        const float range = largestMagnitude({st.v, st.out});
        const double gap = rowGap(sp, st.keys() - firstListed(st) + 3);
        double y = body.top();
        if (firstListed(st) > 0) {
            double earlier = 0;
            for (int j = 0; j < firstListed(st); ++j) earlier += st.weights(j);
            y += sp.text(QRectF(body.left(), y, body.width(), sp.px(40)),
                         QString("… %1 earlier values, weights %2 together")
                             .arg(firstListed(st))
                             .arg(earlier, 0, 'f', 2),
                         sp.font(StagePainter::kSmallPx), sp.muted(), Qt::AlignLeft) +
                 gap;
        }
        for (int j = firstListed(st); j < st.keys(); ++j) {
            const QString label = QString("%1 × v  %2")
                                      .arg(double(st.weights(j)), 0, 'f', 2)
                                      .arg(pieceOf(s, s.tokens[size_t(j)].id));
            y += sp.vectorRow(QRectF(body.left(), y, body.width(), 0), label, valuesOf(st.v.row(j)),
                              range, sp.foreground()) +
                 gap;
        }
        y += gap;
        sp.painter().setPen(QPen(sp.muted(), sp.px(1.5)));
        sp.painter().drawLine(QPointF(body.left(), y), QPointF(body.right(), y));
        y += gap * 1.5;
        const QString query = pieceOf(s, s.tokens[size_t(st.query)].id);
        sp.vectorRow(QRectF(body.left(), y, body.width(), 0), "= output  " + query,
                     valuesOf(st.out), range, sp.accent());
    }

    static void paintAllHeads(StagePainter& sp, const StageContext& c) {
        const Snapshot& s = *c.snapshot;
        const int H = s.model->config.n_head;
        const int columns = std::min(H, H <= 4 ? H : (H + 1) / 2);
        const int rows = (H + columns - 1) / columns;
        const QRectF body = sp.body();
        const double w = body.width() / columns, h = body.height() / rows;
        for (int head = 0; head < H; ++head) {
            const QRectF cell(body.left() + w * (head % columns), body.top() + h * (head / columns),
                              w, h);
            sp.text(cell, QString("head %1").arg(head + 1),
                    sp.font(StagePainter::kSmallPx, head == c.head),
                    head == c.head ? sp.accent() : sp.muted(), Qt::AlignHCenter);
            const double side = std::min(w, h - sp.px(36)) - sp.px(16);
            const QRectF square(cell.center().x() - side / 2, cell.top() + sp.px(34), side, side);
            sp.matrix(square, {},
                      lastCorner(stage_data::attentionProbs(s, c.layer, head), kMaxShown * 2), true,
                      false);
        }
    }
};

}  // namespace

std::unique_ptr<Stage> makeAttentionStage() {
    return std::make_unique<AttentionStage>();
}

}  // namespace tscope::ui
