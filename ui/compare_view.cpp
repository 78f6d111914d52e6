#include "ui/compare_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>

#include "core/forward.h"
#include "core/residual_similarity.h"
#include "ui/background_job.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/research_input.h"
#include "ui/session.h"
#include "ui/token_bars.h"

namespace tscope::ui {

namespace {

Capture runPrompt(std::shared_ptr<const Model> model, const std::vector<int>& ids) {
    Forward forward(std::move(model));
    forward.append(ids);
    return forward.capture();
}

QStringList labelsOf(const Capture& capture, int count) {
    QStringList labels;
    for (int t = 0; t < count; ++t)
        labels << tokenLabel(capture.model().tokenizer.get(), capture.tokens()[size_t(t)]);
    return labels;
}

// The last token of `a` whose text also occurs in `b`, and where (its last occurrence):
// "bank" in both by default. Falls back to the last tokens.
std::pair<int, int> commonToken(const Capture& a, const Capture& b) {
    for (int i = a.T - 1; i >= 0; --i)
        for (int j = b.T - 1; j >= 0; --j)
            if (a.tokens()[size_t(i)] == b.tokens()[size_t(j)]) return {i, j};
    return {a.T - 1, b.T - 1};
}

}  // namespace

CompareView::CompareView(Session* session, QWidget* parent)
    : View(session, parent), job_(new BackgroundJob(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);

    auto* form = new QGridLayout;
    int row = 0;
    for (Side* side : {&a_, &b_}) {
        side->prompt = new QLineEdit(this);
        side->token = new QComboBox(this);
        side->token->setMinimumContentsLength(12);
        side->token->setToolTip(tr("The token whose residual and attention are compared"));
        side->attention = new TokenBars(this);
        side->attention->setValueLabel(tr("attention weight"));
        form->addWidget(new QLabel(side == &a_ ? tr("Prompt A") : tr("Prompt B"), this), row, 0);
        form->addWidget(side->prompt, row, 1);
        form->addWidget(new QLabel(tr("token"), this), row, 2);
        form->addWidget(side->token, row, 3);
        connect(side->prompt, &QLineEdit::editingFinished, this, [this, side] {
            if (side->prompt->isModified()) runPrompts();
            side->prompt->setModified(false);
        });
        connect(side->token, &QComboBox::activated, this, &CompareView::redraw);
        ++row;
    }
    form->setColumnStretch(1, 1);
    layout->addLayout(form);
    attentionA_ = a_.attention;
    attentionB_ = b_.attention;

    auto* bar = new QHBoxLayout;
    layer_ = new QComboBox(this);
    head_ = new QComboBox(this);
    message_ = new QLabel(this);
    message_->setWordWrap(true);
    bar->addWidget(new QLabel(tr("Attention of layer"), this));
    bar->addWidget(layer_);
    bar->addWidget(new QLabel(tr("head"), this));
    bar->addWidget(head_);
    bar->addSpacing(12);
    bar->addWidget(message_, 1);
    layout->addLayout(bar);
    connect(layer_, &QComboBox::activated, this, &CompareView::redraw);
    connect(head_, &QComboBox::activated, this, &CompareView::redraw);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(24, 16);
    setupPlot();
    auto* attention = new QWidget(this);
    auto* attentionLayout = new QHBoxLayout(attention);
    attentionLayout->setContentsMargins(0, 0, 0, 0);
    attentionLayout->addWidget(a_.attention, 1);
    attentionLayout->addWidget(b_.attention, 1);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(plot_);
    splitter->addWidget(attention);
    splitter->setSizes({350, 400});
    layout->addWidget(splitter, 1);

    connect(job_, &BackgroundJob::failed, this, [this](const QString& m) { message_->setText(m); });
    connect(session_, &Session::modelChanged, this, [this] {
        dirty_ = true;
        if (isVisible()) runPrompts();
    });
    connect(&Presentation::instance(), &Presentation::changed, this, &CompareView::restyle);
    installExportMenu(plot_, [this] { return csv(); });
    a_.prompt->setText("catch fish by the river bank");
    b_.prompt->setText("put your money in the bank");
    restyle();
}

CompareView::~CompareView() = default;

void CompareView::setupPlot() {
    graph_ = plot_->addGraph();
    graph_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    plot_->yAxis->setLabel(tr("cosine A vs B"));
    plot_->xAxis->setLabel(
        tr("residual entering block (emb = embeddings, out = last block's output)"));
    plot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    plot_->xAxis->setSubTicks(false);
}

QList<QCustomPlot*> CompareView::plots() const {
    return {plot_, a_.attention->plot(), b_.attention->plot()};
}

void CompareView::showEvent(QShowEvent* event) {
    View::showEvent(event);
    if (dirty_) runPrompts();
}

void CompareView::setPrompts(const QString& a, const QString& b) {
    a_.prompt->setText(a);
    b_.prompt->setText(b);
    runPrompts();
}

void CompareView::runPrompts() {
    dirty_ = false;
    auto model = session_->model();
    if (!model) return message_->setText(tr("Open a model first"));
    QString error;
    auto idsA = promptIds(*model, a_.prompt->text(), &error);
    auto idsB = idsA ? promptIds(*model, b_.prompt->text(), &error) : std::nullopt;
    if (!idsB) return message_->setText(error);
    message_->setText(tr("running both prompts…"));
    job_->startAfterCurrent([this, model, a = *idsA, b = *idsB](const JobControl&) {
        auto captures =
            std::make_shared<std::pair<Capture, Capture>>(runPrompt(model, a), runPrompt(model, b));
        return BackgroundJob::Deliver([this, captures] {
            a_.capture = captures->first;
            b_.capture = captures->second;
            const auto [i, j] = commonToken(a_.capture, b_.capture);
            fillTokens(a_);
            fillTokens(b_);
            a_.token->setCurrentIndex(i);
            b_.token->setCurrentIndex(j);
            const int L = a_.capture.layers(), H = a_.capture.heads();
            if (layer_->count() != L || head_->count() != H) {
                const QSignalBlocker blockLayer(layer_), blockHead(head_);
                layer_->clear();
                head_->clear();
                for (int l = 0; l < L; ++l) layer_->addItem(QString::number(l));
                for (int h = 0; h < H; ++h) head_->addItem(QString::number(h));
            }
            message_->clear();
            redraw();
        });
    });
}

void CompareView::fillTokens(Side& side) {
    const QSignalBlocker block(side.token);
    side.token->clear();
    const QStringList labels = labelsOf(side.capture, side.capture.T);
    for (int t = 0; t < labels.size(); ++t)
        side.token->addItem(QString("%1: %2").arg(t).arg(labels[t]));
}

void CompareView::pickTokens(int positionA, int positionB) {
    a_.token->setCurrentIndex(positionA);
    b_.token->setCurrentIndex(positionB);
    redraw();
}

void CompareView::setLayerHead(int layer, int head) {
    layer_->setCurrentIndex(layer);
    head_->setCurrentIndex(head);
    redraw();
}

int CompareView::positionA() const {
    return a_.token->currentIndex();
}

int CompareView::positionB() const {
    return b_.token->currentIndex();
}

QString CompareView::message() const {
    return message_->text();
}

void CompareView::redraw() {
    cosines_.clear();
    if (a_.capture.T == 0 || b_.capture.T == 0 || positionA() < 0 || positionB() < 0) {
        graph_->data()->clear();
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    cosines_ = residualCosineByLayer(a_.capture, positionA(), b_.capture, positionB());
    QVector<double> x, y;
    QMap<double, QString> ticks;
    const int L = a_.capture.layers();
    for (int l = 0; l <= L; ++l) {
        x << l;
        y << cosines_[size_t(l)];
        ticks.insert(l, l == 0 ? "emb" : l == L ? "out" : QString::number(l));
    }
    graph_->setData(x, y, true);
    plot_->xAxis->ticker().staticCast<QCPAxisTickerText>()->setTicks(ticks);
    plot_->xAxis->setRange(-0.3, L + 0.3);
    double lo = 0;
    for (double c : cosines_) lo = std::min(lo, c);
    plot_->yAxis->setRange(lo - 0.05, 1.05);
    plot_->replot(QCustomPlot::rpQueuedReplot);
    drawAttention(a_);
    drawAttention(b_);
}

// The attention row of the picked token: one bar per key it sees (0..t), the token itself in
// the accent colour.
void CompareView::drawAttention(const Side& side) {
    const int layer = std::max(0, layer_->currentIndex()),
              head = std::max(0, head_->currentIndex());
    const int t = side.token->currentIndex();
    const AttentionQueryRow row = side.capture.attentionRow(layer, head, t);
    std::vector<double> weights(row.probs.data(), row.probs.data() + row.probs.size());
    side.attention->setFixedMaximum(1.0);
    side.attention->setBars(labelsOf(side.capture, t + 1), weights, t);
    side.attention->setTitle(tr("%1: attention from %2 (layer %3, head %4)")
                                 .arg(&side == &a_ ? "A" : "B", side.token->currentText())
                                 .arg(layer)
                                 .arg(head));
}

QString CompareView::csv() const {
    QString text = "layer,cosine\n";
    for (size_t l = 0; l < cosines_.size(); ++l)
        text += QString("%1,%2\n").arg(l).arg(cosines_[l], 0, 'g', 8);
    return text;
}

void CompareView::restyle() {
    const Presentation& p = Presentation::instance();
    stylePlot(plot_);
    graph_->setPen(QPen(p.series(), 2));
    graph_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, p.series(), 7 * p.zoom()));
    a_.attention->restyle();
    b_.attention->restyle();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CompareView::waitUntilReady() {
    if (dirty_) runPrompts();
    job_->wait();
}

QString CompareView::setOption(const QString& key, const QString& value) {
    if (key == "a" || key == "b") {
        (key == "a" ? a_ : b_).prompt->setText(value);
        dirty_ = true;
        return {};
    }
    if (key == "layer" || key == "head") {
        waitUntilReady();
        QComboBox* box = key == "layer" ? layer_ : head_;
        bool ok = false;
        const int i = value.toInt(&ok);
        if (!ok || i < 0 || i >= box->count()) return key + " is out of range";
        box->setCurrentIndex(i);
        redraw();
        return {};
    }
    return View::setOption(key, value);
}

}  // namespace tscope::ui
