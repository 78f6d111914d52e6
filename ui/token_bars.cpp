#include "ui/token_bars.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <algorithm>

#include "core/sampling.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"

namespace tscope::ui {

namespace {

constexpr double kBarWidth = 0.75;

}  // namespace

TokenBars::TokenBars(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(24, 16);
    layout->addWidget(plot_);
    plot_->plotLayout()->insertRow(0);
    title_ = new QCPTextElement(plot_, "", QFont());
    plot_->plotLayout()->addElement(0, 0, title_);
    plot_->yAxis->setRangeReversed(true);  // rank 1 on top
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    plot_->yAxis->grid()->setVisible(false);
    plot_->yAxis->setTickLength(0, 0);
    plot_->yAxis->setSubTicks(false);
    plot_->xAxis->setSubTicks(false);
    bars_ = new QCPBars(plot_->yAxis, plot_->xAxis);
    accentBar_ = new QCPBars(plot_->yAxis, plot_->xAxis);
    for (QCPBars* b : {bars_, accentBar_}) {
        b->setWidth(kBarWidth);
        b->setPen(Qt::NoPen);
    }
    installExportMenu(plot_, [this] { return csv(); });
    restyle();
}

void TokenBars::setTitle(const QString& title) {
    title_->setText(title);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString TokenBars::title() const {
    return title_->text();
}

void TokenBars::setValueLabel(const QString& label) {
    plot_->xAxis->setLabel(label);
}

void TokenBars::setBars(const QStringList& labels, const std::vector<double>& values, int accent) {
    labels_ = labels;
    values_ = values;
    accent_ = accent;
    redraw();
}

void TokenBars::redraw() {
    QVector<double> keys, values, accentKeys, accentValues;
    QMap<double, QString> ticks;
    double max = 0;
    for (size_t i = 0; i < values_.size(); ++i) {
        (int(i) == accent_ ? accentKeys : keys).append(double(i));
        (int(i) == accent_ ? accentValues : values).append(values_[i]);
        ticks.insert(double(i), i < size_t(labels_.size()) ? labels_[int(i)] : QString());
        max = std::max(max, values_[i]);
    }
    bars_->setData(keys, values, true);
    accentBar_->setData(accentKeys, accentValues, true);
    plot_->yAxis->ticker().staticCast<QCPAxisTickerText>()->setTicks(ticks);
    plot_->yAxis->setRange(-0.6, std::max<double>(values_.size(), 1) - 0.4);
    const double top = fixedMax_ > 0     ? fixedMax_
                       : values_.empty() ? 1.0  // nothing yet: a plain 0–1 axis
                                         : std::max(max * 1.08, 1e-12);
    plot_->xAxis->setRange(0, top);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString TokenBars::csv() const {
    QString text = "label,value\n";
    for (size_t i = 0; i < values_.size(); ++i)
        text += csvField(labels_.value(int(i))) + "," + QString::number(values_[i], 'g', 8) + "\n";
    return text;
}

void TokenBars::restyle() {
    const Presentation& p = Presentation::instance();
    stylePlot(plot_);
    title_->setFont(p.font(10));
    title_->setTextColor(p.foreground());
    bars_->setBrush(p.series());
    accentBar_->setBrush(p.accent());
    redraw();
}

int TopTokens::rankOf(int id) const {
    const auto it = std::find(ids.begin(), ids.end(), id);
    return it == ids.end() ? -1 : int(it - ids.begin());
}

TopTokens topTokens(std::span<const float> logits, const Tokenizer* tokenizer, int k) {
    TopTokens top;
    if (logits.empty()) return top;
    const std::vector<float> probs = softmaxWithTemperature(logits, 1.0f);
    top.ids = topIndices(probs, k);
    for (int id : top.ids) {
        top.labels << tokenLabel(tokenizer, id);
        top.probs.push_back(probs[size_t(id)]);
    }
    return top;
}

}  // namespace tscope::ui
