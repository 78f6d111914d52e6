#include "ui/attention_math_pane.h"

#include <qcustomplot.h>

#include <QAbstractTableModel>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kSortRole = Qt::UserRole;  // the exact number behind a formatted cell

// The weight column: a bar proportional to the weight under the number.
class WeightBarDelegate : public QStyledItemDelegate {
  public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        double w = std::clamp(index.data(kSortRole).toDouble(), 0.0, 1.0);
        QRectF bar = QRectF(option.rect).adjusted(2, 3, -2, -3);
        bar.setWidth(bar.width() * w);
        QColor color = Presentation::instance().accent();
        color.setAlpha(110);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(color);
        painter->drawRoundedRect(bar, 2, 2);
        painter->restore();
        QStyledItemDelegate::paint(painter, option, index);
    }
};

Heatmap* makeStrip(QWidget* parent, const QString& rowLabel) {
    auto* strip = new Heatmap(parent);
    strip->setDiverging(true);
    strip->setSymmetricRange(true);
    strip->setRowLabels({rowLabel});
    strip->setColumnLabelsVisible(false);
    strip->setShowScale(false);
    strip->plot()->setInteractions({});
    strip->setFixedHeight(64);
    return strip;
}

}  // namespace

// One row per key j ≤ t: j, token, s_j, exp(s_j − max s), w_j. Numbers sort by value
// (kSortRole); the texts are formatted only for the rows on screen, so T = 1024 costs nothing.
class KeyRowsModel : public QAbstractTableModel {
  public:
    using QAbstractTableModel::QAbstractTableModel;

    void setRows(QStringList tokens, std::vector<float> scores, std::vector<float> weights) {
        beginResetModel();
        tokens_ = std::move(tokens);
        scores_ = std::move(scores);
        weights_ = std::move(weights);
        float maxScore = scores_.empty() ? 0 : *std::max_element(scores_.begin(), scores_.end());
        exps_.resize(scores_.size());
        for (size_t j = 0; j < scores_.size(); ++j)
            exps_[j] = std::exp(double(scores_[j]) - double(maxScore));
        endResetModel();
    }
    double expSum() const { return std::accumulate(exps_.begin(), exps_.end(), 0.0); }

    int rowCount(const QModelIndex& = {}) const override { return int(scores_.size()); }
    int columnCount(const QModelIndex& = {}) const override { return 5; }

    QVariant data(const QModelIndex& index, int role) const override {
        size_t j = size_t(index.row());
        if (j >= scores_.size()) return {};
        int column = index.column();
        double number = column == 0   ? double(j)
                        : column == 2 ? double(scores_[j])
                        : column == 3 ? exps_[j]
                        : column == 4 ? double(weights_[j])
                                      : 0.0;
        switch (role) {
            case Qt::DisplayRole:
                if (column == 0) return int(j);
                if (column == 1) return int(j) < tokens_.size() ? tokens_[int(j)] : QString();
                return QString::number(number, 'f', 4);
            case kSortRole:
                if (column == 1) return int(j) < tokens_.size() ? tokens_[int(j)] : QString();
                return number;
            case Qt::TextAlignmentRole:
                return column == 1 ? int(Qt::AlignLeft | Qt::AlignVCenter)
                                   : int(Qt::AlignRight | Qt::AlignVCenter);
            default:
                return {};
        }
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override {
        if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
        static const char* names[] = {"key", "token", "s = q·k/√d", "exp(s − max)", "weight"};
        return section >= 0 && section < 5 ? QObject::tr(names[section]) : QVariant();
    }

  private:
    QStringList tokens_;
    std::vector<float> scores_, weights_;
    std::vector<double> exps_;
};

AttentionMathPane::AttentionMathPane(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    title_ = new QLabel(this);
    title_->setTextFormat(Qt::RichText);
    formula_ = new QLabel(this);
    formula_->setTextFormat(Qt::RichText);
    formula_->setWordWrap(true);
    qCaption_ = new QLabel(tr("query vector q (this head's slice)"), this);
    qStrip_ = makeStrip(this, "q");
    rows_ = new KeyRowsModel(this);
    auto* sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(rows_);
    sorted->setSortRole(kSortRole);
    table_ = new QTableView(this);
    table_->setModel(sorted);
    table_->verticalHeader()->setVisible(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->setShowGrid(false);
    table_->setWordWrap(false);
    table_->setItemDelegateForColumn(4, new WeightBarDelegate(table_));
    // fixed widths (set in restyle): ResizeToContents would measure every row, slow at T = 1024
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table_->setSortingEnabled(true);
    table_->sortByColumn(0, Qt::AscendingOrder);
    connect(table_, &QTableView::clicked, this, [this](const QModelIndex& index) {
        emit keyActivated(index.siblingAtColumn(0).data(kSortRole).toInt());
    });
    outCaption_ = new QLabel(tr("head output  out = Σⱼ wⱼ·vⱼ"), this);
    outStrip_ = makeStrip(this, "out");
    footer_ = new QLabel(this);
    footer_->setTextFormat(Qt::RichText);

    layout->addWidget(title_);
    layout->addWidget(formula_);
    layout->addWidget(qCaption_);
    layout->addWidget(qStrip_);
    layout->addWidget(table_, 1);
    layout->addWidget(footer_);
    layout->addWidget(outCaption_);
    layout->addWidget(outStrip_);
    restyle();
    clear();
}

void AttentionMathPane::clear() {
    layer_ = head_ = query_ = -1;
    q_.clear();
    scores_.clear();
    weights_.clear();
    out_.clear();
    title_->setText(tr("<b>Attention math</b>"));
    formula_->setText(tr("Click a row of the heatmap to pick a query token."));
    rows_->setRows({}, {}, {});
    qStrip_->clear();
    outStrip_->clear();
    footer_->clear();
}

void AttentionMathPane::showRow(const Snapshot& snapshot, int layer, int head, int query) {
    const Capture& capture = snapshot.capture;
    if (layer < 0 || query < 0 || query >= capture.T || !capture.keeps(layer) || head < 0 ||
        head >= capture.heads()) {
        clear();
        return;
    }
    const int D = int(capture.model().config.headDim());
    layer_ = layer;
    head_ = head;
    query_ = query;
    // q_t: head h's columns [h·D, (h+1)·D); the rest is one row of this head's attention
    const auto q = capture.q(layer).row(query).segment(head * D, D);
    q_.assign(q.begin(), q.end());
    const AttentionQueryRow row = capture.attentionRow(layer, head, query);
    out_.assign(row.out.begin(), row.out.end());
    scores_.assign(row.scores.begin(), row.scores.end());
    weights_.assign(row.probs.begin(), row.probs.end());
    keyLabels_ = tokenLabels(snapshot, 24);

    QString token = query < keyLabels_.size() ? keyLabels_[query] : QString();
    title_->setText(tr("<b>Layer %1 · head %2 · query %3</b> “%4”")
                        .arg(layer)
                        .arg(head)
                        .arg(query)
                        .arg(token.toHtmlEscaped()));
    formula_->setText(tr("s<sub>j</sub> = q·k<sub>j</sub> / √%1 &nbsp;→&nbsp; "
                         "w = softmax(s) &nbsp;→&nbsp; out = Σ<sub>j</sub> w<sub>j</sub> "
                         "v<sub>j</sub> &nbsp; (keys j ≤ %2; later keys are masked)")
                          .arg(D)
                          .arg(query));

    qStrip_->setValues(q_.data(), 1, D);
    qStrip_->setTooltip([this](int, int c) {
        return c < int(q_.size())
                   ? QString("q[%1] = %2").arg(c).arg(double(q_[size_t(c)]), 0, 'f', 4)
                   : QString();
    });
    outStrip_->setValues(out_.data(), 1, D);
    outStrip_->setTooltip([this](int, int c) {
        return c < int(out_.size())
                   ? QString("out[%1] = %2").arg(c).arg(double(out_[size_t(c)]), 0, 'f', 4)
                   : QString();
    });

    rows_->setRows(keyLabels_.mid(0, query + 1), scores_, weights_);
    double expSum = rows_->expSum();
    double weightSum = 0;
    for (float w : weights_) weightSum += w;
    footer_->setText(tr("Σ exp = %1 &nbsp;·&nbsp; Σ w = %2 &nbsp;·&nbsp; ‖out‖ = %3")
                         .arg(expSum, 0, 'f', 4)
                         .arg(weightSum, 0, 'f', 4)
                         .arg(double(Eigen::Map<const Vector>(out_.data(), D).norm()), 0, 'f', 4));
}

QList<QCustomPlot*> AttentionMathPane::plots() const {
    return {qStrip_->plot(), outStrip_->plot()};
}

QString AttentionMathPane::csv() const {
    QString text = "key,token,score,weight\n";
    for (size_t j = 0; j < weights_.size(); ++j)
        text += QString("%1,%2,%3,%4\n")
                    .arg(j)
                    .arg(csvField(int(j) < keyLabels_.size() ? keyLabels_[int(j)] : QString()))
                    .arg(double(scores_[j]), 0, 'g', 9)
                    .arg(double(weights_[j]), 0, 'g', 9);
    return text;
}

void AttentionMathPane::restyle() {
    const Presentation& p = Presentation::instance();
    setFont(p.font(9.5));
    title_->setFont(p.font(11));
    QFont caption = p.font(9);
    caption.setItalic(true);
    for (QLabel* label : {qCaption_, outCaption_}) label->setFont(caption);
    footer_->setFont(p.font(9));
    table_->setFont(p.font(9.5));
    QFontMetrics metrics(p.font(9.5));
    table_->verticalHeader()->setDefaultSectionSize(metrics.height() + 6);
    const int pad = 18;
    table_->setColumnWidth(0, metrics.horizontalAdvance("00000") + pad);
    table_->setColumnWidth(1, metrics.horizontalAdvance("·straight·xx") + pad);
    table_->setColumnWidth(2, metrics.horizontalAdvance("s = q·k/√d") + pad);
    table_->setColumnWidth(3, metrics.horizontalAdvance("exp(s − max)") + pad);
    int stripHeight = int(QFontMetrics(p.font(9)).height() * 2.2 + 30);
    int labelRoom = QFontMetrics(p.font(10)).horizontalAdvance("out") + 16;
    for (Heatmap* strip : {qStrip_, outStrip_}) {
        strip->restyle();
        strip->setFixedHeight(stripHeight);
        strip->setLeftMargin(labelRoom);  // q and out line up
    }
    table_->viewport()->update();
}

}  // namespace tscope::ui
