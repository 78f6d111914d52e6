#include "ui/attention_math_pane.h"

#include <qcustomplot.h>

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kSortRole = Qt::UserRole;  // the exact number behind a formatted cell

// Sorts by the number, not by the text.
class NumberItem : public QTableWidgetItem {
public:
    NumberItem(double value, const QString& text) : QTableWidgetItem(text) {
        setData(kSortRole, value);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override {
        return data(kSortRole).toDouble() < other.data(kSortRole).toDouble();
    }
};

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
    table_ = new QTableWidget(0, 5, this);
    table_->setHorizontalHeaderLabels(
        {tr("key"), tr("token"), tr("s = q·k/√d"), tr("exp(s − max)"), tr("weight")});
    table_->verticalHeader()->setVisible(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->setShowGrid(false);
    table_->setItemDelegateForColumn(4, new WeightBarDelegate(table_));
    // fixed widths (set in restyle): ResizeToContents would measure every row, slow at T = 1024
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setSortingEnabled(true);
    table_->sortByColumn(0, Qt::AscendingOrder);
    connect(table_, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (auto* item = table_->item(row, 0)) emit keyActivated(item->data(kSortRole).toInt());
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
    table_->setRowCount(0);
    qStrip_->clear();
    outStrip_->clear();
    footer_->clear();
}

void AttentionMathPane::showRow(const Snapshot& snapshot, int layer, int head, int query) {
    const Capture& capture = snapshot.capture;
    if (layer < 0 || layer >= int(capture.layers.size()) || query < 0 || query >= capture.T ||
        !capture.layers[layer].captured || head < 0 ||
        head >= int(capture.layers[layer].probs.size())) {
        clear();
        return;
    }
    const LayerCapture& L = capture.layers[layer];
    int H = int(L.probs.size());
    int D = int(L.q.cols()) / H;
    layer_ = layer;
    head_ = head;
    query_ = query;
    // q_t and out_t: head h's columns [h·D, (h+1)·D)
    auto slice = [&](const RowBuffer& buffer) {
        auto row = buffer.row(query).segment(head * D, D);
        return std::vector<float>(row.begin(), row.end());
    };
    q_ = slice(L.q);
    out_ = slice(L.headOut);
    scores_.resize(size_t(query) + 1);
    weights_.resize(size_t(query) + 1);
    for (int j = 0; j <= query; ++j) {
        scores_[size_t(j)] = L.scores[size_t(head)](query, j);
        weights_[size_t(j)] = L.probs[size_t(head)](query, j);
    }
    float maxScore = *std::max_element(scores_.begin(), scores_.end());
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
        return c < int(q_.size()) ? QString("q[%1] = %2").arg(c).arg(double(q_[size_t(c)]), 0,
                                                                    'f', 4)
                                  : QString();
    });
    outStrip_->setValues(out_.data(), 1, D);
    outStrip_->setTooltip([this](int, int c) {
        return c < int(out_.size())
                   ? QString("out[%1] = %2").arg(c).arg(double(out_[size_t(c)]), 0, 'f', 4)
                   : QString();
    });

    table_->setSortingEnabled(false);
    table_->setUpdatesEnabled(false);
    table_->setRowCount(query + 1);
    double expSum = 0;
    for (int j = 0; j <= query; ++j) {
        double s = scores_[size_t(j)], w = weights_[size_t(j)];
        double e = std::exp(s - maxScore);
        expSum += e;
        QString label = j < keyLabels_.size() ? keyLabels_[j] : QString();
        table_->setItem(j, 0, new NumberItem(j, QString::number(j)));
        table_->setItem(j, 1, new QTableWidgetItem(label));
        table_->setItem(j, 2, new NumberItem(s, QString::number(s, 'f', 4)));
        table_->setItem(j, 3, new NumberItem(e, QString::number(e, 'f', 4)));
        table_->setItem(j, 4, new NumberItem(w, QString::number(w, 'f', 4)));
    }
    table_->setUpdatesEnabled(true);
    table_->setSortingEnabled(true);
    double weightSum = 0;
    for (float w : weights_) weightSum += w;
    footer_->setText(tr("Σ exp = %1 &nbsp;·&nbsp; Σ w = %2 &nbsp;·&nbsp; ‖out‖ = %3")
                         .arg(expSum, 0, 'f', 4)
                         .arg(weightSum, 0, 'f', 4)
                         .arg(double(Eigen::Map<const Vector>(out_.data(), D).norm()), 0, 'f', 4));
}

QList<QCustomPlot*> AttentionMathPane::plots() const { return {qStrip_->plot(), outStrip_->plot()}; }

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
    for (Heatmap* strip : {qStrip_, outStrip_}) {
        strip->restyle();
        strip->setFixedHeight(stripHeight);
    }
    table_->viewport()->update();
}

}  // namespace tscope::ui
