#include "ui/embeddings_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/model.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kNeighbours = 12;

// Token and position as dots over the sum's bars (lines would zig-zag across 768 dimensions).
QColor tokenSeriesColor() {
    return Presentation::instance().dark() ? QColor(110, 180, 255) : QColor(31, 119, 180);
}
QColor positionSeriesColor() {
    return Presentation::instance().dark() ? QColor(120, 220, 120) : QColor(44, 160, 44);
}

QTableWidget* makeNeighbourTable(QWidget* parent) {
    auto* table = new QTableWidget(0, 4, parent);
    table->setHorizontalHeaderLabels(
        {QObject::tr("#"), QObject::tr("token"), QObject::tr("id"), QObject::tr("cosine")});
    table->verticalHeader()->setVisible(false);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setAlternatingRowColors(true);
    table->setShowGrid(false);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    return table;
}

std::vector<float> toVector(const auto& row) {
    return std::vector<float>(row.begin(), row.end());
}

}  // namespace

EmbeddingsView::EmbeddingsView(Session* session, QWidget* parent) : View(session, parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);
    header_ = new QLabel(this);
    header_->setTextFormat(Qt::RichText);
    layout->addWidget(header_);

    strips_ = new Heatmap(this);
    strips_->setDiverging(true);
    strips_->setSymmetricRange(true);
    strips_->setRowLabels({tr("token"), tr("position"), tr("sum")});
    strips_->setAxisTitles(QString(), tr("embedding dimension"));
    strips_->setScaleLabel(tr("value"));
    strips_->plot()->xAxis->setTickLabelRotation(0);
    strips_->setTooltip([this](int, int dim) { return dimTooltip(dim); });

    bars_ = new QCustomPlot(this);
    bars_->setMinimumSize(60, 60);
    bars_->setMouseTracking(true);
    auto* sumBars = new QCPBars(bars_->xAxis, bars_->yAxis);
    sumBars->setName(tr("sum = token + position"));
    sumBars->setWidth(0.85);
    auto* tokDots = bars_->addGraph();
    tokDots->setName(tr("token embedding wte[id]"));
    tokDots->setLineStyle(QCPGraph::lsNone);
    auto* posDots = bars_->addGraph();
    posDots->setName(tr("position embedding wpe[t]"));
    posDots->setLineStyle(QCPGraph::lsNone);
    // the legend as one row above the plot, never over the bars
    bars_->legend->setVisible(true);
    bars_->legend->setFillOrder(QCPLegend::foColumnsFirst);
    bars_->plotLayout()->insertRow(0);
    bars_->plotLayout()->addElement(0, 0, bars_->legend);
    bars_->plotLayout()->setRowStretchFactor(0, 0.001);
    bars_->legend->setMargins(QMargins(4, 2, 4, 2));
    bars_->xAxis->setLabel(tr("embedding dimension"));
    bars_->yAxis->setLabel(tr("value"));
    bars_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    bars_->axisRect()->setRangeZoom(Qt::Horizontal);
    bars_->axisRect()->setRangeDrag(Qt::Horizontal);
    connect(bars_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
        int dim = int(std::lround(bars_->xAxis->pixelToCoord(event->position().x())));
        bool inside = bars_->axisRect()->rect().contains(event->position().toPoint());
        if (!inside || dim < 0 || dim >= int(sum_.size())) {
            hoverDim_ = -1;
            QToolTip::hideText();
            return;
        }
        if (dim == hoverDim_) return;
        hoverDim_ = dim;
        QToolTip::showText(event->globalPosition().toPoint(), dimTooltip(dim), bars_);
    });

    auto* nearestBox = new QGroupBox(tr("Nearest tokens by cosine similarity"), this);
    auto* nearestLayout = new QVBoxLayout(nearestBox);
    nearestOf_ = new QComboBox(nearestBox);
    nearestOf_->addItems(
        {tr("of the token embedding wte[id]"), tr("of the sum (token + position)")});
    nearestTable_ = makeNeighbourTable(nearestBox);
    nearestLayout->addWidget(nearestOf_);
    nearestLayout->addWidget(nearestTable_, 1);
    connect(nearestOf_, &QComboBox::activated, this, [this] { updateNearest(); });

    auto* mathBox = new QGroupBox(tr("Vector arithmetic on token embeddings"), this);
    auto* mathLayout = new QVBoxLayout(mathBox);
    auto* inputRow = new QHBoxLayout;
    expression_ = new QLineEdit("king - man + woman", mathBox);
    expression_->setPlaceholderText(tr("king - man + woman   (or token ids: #1234 + #99)"));
    expression_->setClearButtonEnabled(true);
    auto* go = new QPushButton(tr("Find"), mathBox);
    inputRow->addWidget(expression_, 1);
    inputRow->addWidget(go);
    arithmeticStatus_ = new QLabel(mathBox);
    arithmeticStatus_->setWordWrap(true);
    arithmeticStatus_->setTextFormat(Qt::RichText);
    arithmeticTable_ = makeNeighbourTable(mathBox);
    mathLayout->addLayout(inputRow);
    mathLayout->addWidget(arithmeticStatus_);
    mathLayout->addWidget(arithmeticTable_, 1);
    connect(expression_, &QLineEdit::returnPressed, this, &EmbeddingsView::runArithmetic);
    connect(go, &QPushButton::clicked, this, &EmbeddingsView::runArithmetic);

    auto* plotsSplit = new QSplitter(Qt::Vertical, this);

    plotsSplit->setChildrenCollapsible(false);
    plotsSplit->addWidget(strips_);
    plotsSplit->addWidget(bars_);
    plotsSplit->setStretchFactor(0, 1);
    plotsSplit->setStretchFactor(1, 1);
    auto* bottom = new QSplitter(Qt::Horizontal, this);
    bottom->setChildrenCollapsible(false);
    bottom->addWidget(nearestBox);
    bottom->addWidget(mathBox);
    auto* main = new QSplitter(Qt::Vertical, this);
    main->setChildrenCollapsible(false);
    main->addWidget(plotsSplit);
    main->addWidget(bottom);
    main->setStretchFactor(0, 3);
    main->setStretchFactor(1, 2);
    layout->addWidget(main, 1);

    connect(session_, &Session::snapshotChanged, this, &EmbeddingsView::onSnapshot);
    connect(session_, &Session::selectionChanged, this, &EmbeddingsView::onSelection);
    connect(&Presentation::instance(), &Presentation::changed, this, &EmbeddingsView::restyle);
    for (QCustomPlot* plot : plots()) installExportMenu(plot, [this] { return csv(); });
    restyle();
    onSnapshot();
}

void EmbeddingsView::onSnapshot() {
    auto previous = snapshot_ ? snapshot_->model : nullptr;
    snapshot_ = session_->snapshot();
    position_ = -1;  // force a redraw: the token at the position may have changed
    onSelection();
    if (snapshot_ && snapshot_->model != previous) runArithmetic();
}

void EmbeddingsView::onSelection() {
    int T = snapshot_ ? snapshot_->capture.T : 0;
    int t = T > 0 ? std::clamp(session_->selectedPosition(), 0, T - 1) : -1;
    int id = t >= 0 && t < snapshot_->length() ? snapshot_->tokens[size_t(t)].id : -1;
    if (t == position_ && id == tokenId_) return;
    position_ = t;
    tokenId_ = id;
    showPosition();
    updateNearest();
}

void EmbeddingsView::showPosition() {
    auto* sumBars = qobject_cast<QCPBars*>(bars_->plottable(0));
    if (position_ < 0) {
        tok_.clear();
        pos_.clear();
        sum_.clear();
        header_->setText(tr("<b>Embeddings</b>: no tokens yet"));
        strips_->clear();
        sumBars->data()->clear();
        bars_->graph(0)->data()->clear();
        bars_->graph(1)->data()->clear();
        bars_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const Capture& capture = snapshot_->capture;
    tok_ = toVector(capture.embedTok(position_, 1).row(0));
    pos_ = toVector(capture.embedPos(position_, 1).row(0));
    sum_ = toVector(capture.residIn(0, position_, 1).row(0));
    int C = int(sum_.size());
    const Tokenizer* tokenizer = snapshot_->model ? snapshot_->model->tokenizer.get() : nullptr;
    header_->setText(tr("<b>Position %1 · token “%2”</b> (id %3) &nbsp; "
                        "<span style='color:%5'>x = wte[%3] + wpe[%1], %4 dimensions · "
                        "pick a token in the token strip</span>")
                         .arg(position_)
                         .arg(tokenLabel(tokenizer, tokenId_, 40).toHtmlEscaped())
                         .arg(tokenId_)
                         .arg(C)
                         .arg(Presentation::instance().muted().name()));

    std::vector<float> rows;
    rows.reserve(size_t(3 * C));
    for (const auto* v : {&tok_, &pos_, &sum_}) rows.insert(rows.end(), v->begin(), v->end());
    strips_->setValues(rows.data(), 3, C);

    QVector<double> x(C), tok(C), pos(C), sum(C);
    for (int i = 0; i < C; ++i) {
        x[i] = i;
        tok[i] = tok_[size_t(i)];
        pos[i] = pos_[size_t(i)];
        sum[i] = sum_[size_t(i)];
    }
    sumBars->setData(x, sum, true);
    bars_->graph(0)->setData(x, tok, true);
    bars_->graph(1)->setData(x, pos, true);
    bars_->xAxis->setRange(-1, C);
    bars_->yAxis->rescale();
    QCPRange y = bars_->yAxis->range();
    bars_->yAxis->setRange(y.lower - 0.05 * y.size(), y.upper + 0.15 * y.size());
    bars_->replot(QCustomPlot::rpQueuedReplot);
}

const Vector& EmbeddingsView::wteNorms() {
    if (normsModel_ != snapshot_->model) {
        normsModel_ = snapshot_->model;
        norms_ = tokenNorms(normsModel_->weights.wteT);
    }
    return norms_;
}

void EmbeddingsView::updateNearest() {
    nearest_.clear();
    if (position_ >= 0 && snapshot_->model) {
        const PanelsRef& wteT = snapshot_->model->weights.wteT;
        bool ofSum = nearestOf_->currentIndex() == 1;
        const std::vector<float>& v = ofSum ? sum_ : tok_;
        Eigen::Map<const Vector> x(v.data(), Eigen::Index(v.size()));
        std::vector<int> exclude;
        if (!ofSum) exclude.push_back(tokenId_);
        nearest_ = nearestByCosine(wteT, wteNorms(), x, kNeighbours, exclude);
    }
    fillNeighbours(nearestTable_, nearest_);
}

void EmbeddingsView::setArithmetic(const QString& expression) {
    expression_->setText(expression);
    runArithmetic();
}

QString EmbeddingsView::arithmeticMessage() const {
    return arithmeticStatus_->text();
}

void EmbeddingsView::runArithmetic() {
    arithmetic_.clear();
    if (!snapshot_ || !snapshot_->model) {
        arithmeticStatus_->setText(tr("no model"));
        fillNeighbours(arithmeticTable_, arithmetic_);
        return;
    }
    const Model& model = *snapshot_->model;
    try {
        auto terms = parseArithmetic(expression_->text().toStdString(), model.tokenizer.get(),
                                     model.config.vocab_size);
        QStringList shown;
        std::vector<int> inputs;
        for (const ArithmeticTerm& term : terms) {
            QStringList pieces;
            for (int id : term.ids) pieces << tokenLabel(model.tokenizer.get(), id);
            QString sign = term.sign < 0 ? "− " : (shown.isEmpty() ? "" : "+ ");
            shown << sign + "“" + pieces.join("”+“").toHtmlEscaped() + "”";
            inputs.insert(inputs.end(), term.ids.begin(), term.ids.end());
        }
        Vector x = evaluateArithmetic(terms, model.weights.wteT);
        arithmetic_ = nearestByCosine(model.weights.wteT, wteNorms(), x, kNeighbours, inputs);
        arithmeticStatus_->setText(
            tr("%1 &nbsp;<span style='color:%2'>(inputs left out)</span>")
                .arg(shown.join(" "), Presentation::instance().muted().name()));
    } catch (const Error& e) {
        arithmeticStatus_->setText(QString("<span style='color:%1'>%2</span>")
                                       .arg(Presentation::instance().error().name(),
                                            QString::fromStdString(e.what()).toHtmlEscaped()));
    }
    fillNeighbours(arithmeticTable_, arithmetic_);
}

void EmbeddingsView::fillNeighbours(QTableWidget* table, const std::vector<Neighbour>& rows) {
    const Tokenizer* tokenizer =
        snapshot_ && snapshot_->model ? snapshot_->model->tokenizer.get() : nullptr;
    table->setRowCount(int(rows.size()));
    QColor accent = Presentation::instance().accent();
    for (int i = 0; i < int(rows.size()); ++i) {
        const Neighbour& n = rows[size_t(i)];
        auto* rank = new QTableWidgetItem(QString::number(i + 1));
        auto* token = new QTableWidgetItem(tokenLabel(tokenizer, n.id, 32));
        auto* id = new QTableWidgetItem(QString::number(n.id));
        auto* cosine = new QTableWidgetItem(QString::number(double(n.cosine), 'f', 4));
        for (auto* item : {rank, id, cosine})
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        QColor shade = accent;
        shade.setAlphaF(0.12 + 0.5 * std::clamp(double(n.cosine), 0.0, 1.0));
        cosine->setBackground(shade);
        table->setItem(i, 0, rank);
        table->setItem(i, 1, token);
        table->setItem(i, 2, id);
        table->setItem(i, 3, cosine);
    }
}

QString EmbeddingsView::dimTooltip(int dim) const {
    if (dim < 0 || dim >= int(sum_.size())) return {};
    size_t d = size_t(dim);
    return tr("dimension %1\ntoken     %2\nposition  %3\nsum       %4")
        .arg(dim)
        .arg(double(tok_[d]), 0, 'f', 4)
        .arg(double(pos_[d]), 0, 'f', 4)
        .arg(double(sum_[d]), 0, 'f', 4);
}

QString EmbeddingsView::csv() const {
    QString text = "dim,token,position,sum\n";
    for (size_t d = 0; d < sum_.size(); ++d)
        text += QString("%1,%2,%3,%4\n")
                    .arg(d)
                    .arg(double(tok_[d]), 0, 'g', 9)
                    .arg(double(pos_[d]), 0, 'g', 9)
                    .arg(double(sum_[d]), 0, 'g', 9);
    return text;
}

QList<QCustomPlot*> EmbeddingsView::plots() const {
    return {strips_->plot(), bars_};
}

void EmbeddingsView::restyle() {
    const Presentation& p = Presentation::instance();
    setFont(p.font(10));
    header_->setFont(p.font(11));
    strips_->restyle();
    stylePlot(bars_);
    bars_->xAxis->grid()->setVisible(false);
    auto* sumBars = qobject_cast<QCPBars*>(bars_->plottable(0));
    sumBars->setPen(Qt::NoPen);
    QColor fill = p.accent();
    fill.setAlpha(140);
    sumBars->setBrush(fill);
    double dot = 5 * std::max(1.0, p.zoom());
    for (auto [graph, color] : {std::pair{bars_->graph(0), tokenSeriesColor()},
                                std::pair{bars_->graph(1), positionSeriesColor()}}) {
        graph->setPen(QPen(color, 1.5));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, dot));
    }
    bars_->legend->setBorderPen(Qt::NoPen);
    bars_->legend->setBrush(Qt::NoBrush);
    for (QTableWidget* table : {nearestTable_, arithmeticTable_}) {
        table->setFont(p.font(10));
        table->verticalHeader()->setDefaultSectionSize(QFontMetrics(p.font(10)).height() + 6);
    }
    bars_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace tscope::ui
