#include "ui/attention_view.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/attention_grid.h"
#include "ui/attention_math_pane.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

QLabel* sectionTitle(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setObjectName("sectionTitle");
    return label;
}

}  // namespace

AttentionView::AttentionView(Session* session, QWidget* parent) : View(session, parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);

    auto* bar = new QHBoxLayout;
    layerBox_ = new QComboBox(this);
    headBox_ = new QComboBox(this);
    averageBox_ = new QCheckBox(tr("Average the layer's heads"), this);
    summary_ = new QLabel(this);
    summary_->setTextFormat(Qt::RichText);
    layerBox_->setToolTip(tr("Layer (Up / Down)"));
    headBox_->setToolTip(tr("Head (Left / Right)"));
    bar->addWidget(new QLabel(tr("Layer"), this));
    bar->addWidget(layerBox_);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Head"), this));
    bar->addWidget(headBox_);
    bar->addSpacing(12);
    bar->addWidget(averageBox_);
    bar->addStretch(1);
    bar->addWidget(summary_);
    layout->addLayout(bar);

    heatmap_ = new Heatmap(this);
    heatmap_->setAxisTitles(tr("query (attends from)"), tr("key (attends to)"));
    heatmap_->setScaleLabel(tr("weight"));
    heatmap_->setFixedRange(0, 1);
    heatmap_->setTooltip([this](int r, int c) { return cellTooltip(r, c); });

    grid_ = new AttentionGrid(this);
    math_ = new AttentionMathPane(this);
    auto* side = new QWidget(this);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(sectionTitle(tr("All heads: click one to open it"), side));
    sideLayout->addWidget(grid_, 1);
    auto* sideSplit = new QSplitter(Qt::Vertical, this);
    sideSplit->setChildrenCollapsible(false);
    sideSplit->addWidget(side);
    sideSplit->addWidget(math_);
    sideSplit->setStretchFactor(0, 1);
    sideSplit->setStretchFactor(1, 2);
    sideSplit->setSizes({260, 540});  // scaled to the real height: the grid gets 1/3

    splitter_ = new QSplitter(Qt::Horizontal, this);

    splitter_->setChildrenCollapsible(false);
    splitter_->addWidget(heatmap_);
    splitter_->addWidget(sideSplit);
    splitter_->setStretchFactor(0, 3);
    splitter_->setStretchFactor(1, 2);
    splitter_->setSizes({600, 450});
    layout->addWidget(splitter_, 1);

    connect(layerBox_, &QComboBox::activated, session_, &Session::selectLayer);
    connect(headBox_, &QComboBox::activated, this, [this](int head) {
        setAverageHeads(false);
        session_->selectHead(head);
    });
    connect(averageBox_, &QCheckBox::toggled, this, &AttentionView::setAverageHeads);
    connect(heatmap_, &Heatmap::cellClicked, this,
            [this](int query, int) { session_->selectPosition(query); });
    connect(grid_, &AttentionGrid::headClicked, this, [this](int layer, int head) {
        setAverageHeads(false);
        session_->selectLayer(layer);
        session_->selectHead(head);
    });
    connect(grid_, &AttentionGrid::ablationToggled, session_, &Session::toggleAblation);
    connect(session_, &Session::ablationChanged, this, [this] {
        std::vector<std::pair<int, int>> heads;
        for (const HeadRef& h : session_->ablatedHeads()) heads.emplace_back(h.layer, h.head);
        grid_->setCrossedOut(std::move(heads));
    });
    connect(math_, &AttentionMathPane::keyActivated, this,
            [this](int key) { heatmap_->setHighlightedCell(query_, key); });
    connect(session_, &Session::snapshotChanged, this, &AttentionView::onSnapshot);
    connect(session_, &Session::selectionChanged, this, &AttentionView::onSelection);
    connect(&Presentation::instance(), &Presentation::changed, this, &AttentionView::restyle);

    for (QCustomPlot* plot : plots()) installExportMenu(plot, [this] { return csv(); });
    restyle();
    onSnapshot();
}

void AttentionView::onSnapshot() {
    snapshot_ = session_->snapshot();
    labels_ = snapshot_ ? tokenLabels(*snapshot_) : QStringList();
    heatmap_->setRowLabels(labels_);
    heatmap_->setColumnLabels(labels_);
    rebuildSelectors();
    grid_->setSnapshot(snapshot_);
    shownSnapshot_ = nullptr;  // force a refill
    onSelection();
}

void AttentionView::rebuildSelectors() {
    int layers = snapshot_ ? snapshot_->capture.layers() : 0;
    int heads = snapshot_ && snapshot_->model ? snapshot_->model->config.n_head : 0;
    if (layerBox_->count() != layers) {
        QSignalBlocker block(layerBox_);
        layerBox_->clear();
        for (int l = 0; l < layers; ++l) layerBox_->addItem(QString::number(l));
    }
    if (headBox_->count() != heads) {
        QSignalBlocker block(headBox_);
        headBox_->clear();
        for (int h = 0; h < heads; ++h) headBox_->addItem(QString::number(h));
    }
}

void AttentionView::onSelection() {
    int layers = layerBox_->count(), heads = headBox_->count();
    int T = snapshot_ ? snapshot_->capture.T : 0;
    layer_ = layers > 0 ? std::clamp(session_->selectedLayer(), 0, layers - 1) : -1;
    head_ = heads > 0 ? std::clamp(session_->selectedHead(), 0, heads - 1) : -1;
    query_ = T > 0 ? std::clamp(session_->selectedPosition(), 0, T - 1) : -1;
    {
        QSignalBlocker a(layerBox_), b(headBox_);
        layerBox_->setCurrentIndex(layer_);
        headBox_->setCurrentIndex(head_);
    }
    grid_->setSelected(layer_, average_ ? -1 : head_);
    bool same = shownSnapshot_ == snapshot_.get() && shownLayer_ == layer_ && shownHead_ == head_ &&
                shownAverage_ == average_ && shownT_ == T;
    if (!same) rebuildHeatmap();
    updateQuery();
}

void AttentionView::setAverageHeads(bool on) {
    if (average_ == on) return;
    average_ = on;
    {
        QSignalBlocker block(averageBox_);
        averageBox_->setChecked(on);
    }
    headBox_->setEnabled(!on);
    onSelection();
}

void AttentionView::rebuildHeatmap() {
    shownSnapshot_ = snapshot_.get();
    shownLayer_ = layer_;
    shownHead_ = head_;
    shownAverage_ = average_;
    shownT_ = snapshot_ ? snapshot_->capture.T : -1;
    const Capture* capture = snapshot_ ? &snapshot_->capture : nullptr;
    if (!capture || layer_ < 0 || head_ < 0 || capture->T == 0 || !capture->keeps(layer_)) {
        heatmap_->clear();
        summary_->setText(capture && layer_ >= 0 ? tr("layer %1 was not captured").arg(layer_)
                                                 : QString());
        return;
    }
    const int T = capture->T, H = capture->heads();
    if (average_) {
        // mean over heads of softmax rows is still a distribution over keys
        RowMatrix mean = RowMatrix::Zero(T, T);
        for (int h = 0; h < H; ++h) mean += capture->computePattern(layer_, h).probs;
        mean /= float(H);
        heatmap_->setLowerTriangle(mean);
    } else {
        heatmap_->setLowerTriangle(capture->pattern(layer_, head_)->probs);
    }
    QString what = average_ ? tr("mean of %1 heads").arg(H) : tr("head %1").arg(head_);
    summary_->setText(tr("<b>Layer %1 · %2</b> &nbsp; T = %3 &nbsp; "
                         "<span style='color:%4'>click a row to pick the query · wheel to "
                         "zoom · double-click to reset</span>")
                          .arg(layer_)
                          .arg(what)
                          .arg(T)
                          .arg(Presentation::instance().muted().name()));
}

void AttentionView::updateQuery() {
    heatmap_->setHighlightedRow(query_);
    if (snapshot_ && query_ >= 0 && layer_ >= 0 && head_ >= 0)
        math_->showRow(*snapshot_, layer_, head_, query_);
    else
        math_->clear();
}

QString AttentionView::cellTooltip(int query, int key) const {
    if (!snapshot_ || layer_ < 0) return {};
    auto label = [this](int t) {
        return QString("%1 “%2”").arg(t).arg(t < labels_.size() ? labels_[t] : QString());
    };
    QString head = tr("query %1 → key %2").arg(label(query), label(key));
    if (key > query) return head + tr("\nmasked: a query never sees later keys");
    const Capture& capture = snapshot_->capture;
    if (!capture.keeps(layer_) || query >= capture.T) return head;
    if (average_) {
        QStringList perHead;
        for (int h = 0; h < capture.heads(); ++h)
            perHead << QString::number(double(capture.attentionRow(layer_, h, query).probs(key)),
                                       'f', 3);
        return head + tr("\nmean weight %1\nper head: %2")
                          .arg(double(heatmap_->value(query, key)), 0, 'f', 4)
                          .arg(perHead.join("  "));
    }
    const AttentionQueryRow row = capture.attentionRow(layer_, head_, query);
    return head + tr("\nweight %1\nscore q·k/√d %2")
                      .arg(double(row.probs(key)), 0, 'f', 4)
                      .arg(double(row.scores(key)), 0, 'f', 4);
}

QString AttentionView::csv() const {
    int T = heatmap_->rows();
    QString corner = average_ ? QString("layer %1 mean of heads: query\\key").arg(layer_)
                              : QString("layer %1 head %2: query\\key").arg(layer_).arg(head_);
    QString text = csvField(corner);
    for (int k = 0; k < T; ++k)
        text += "," + csvField(QString("%1:%2").arg(k).arg(k < labels_.size() ? labels_[k] : ""));
    text += "\n";
    for (int q = 0; q < T; ++q) {
        text += csvField(QString("%1:%2").arg(q).arg(q < labels_.size() ? labels_[q] : ""));
        for (int k = 0; k < T; ++k) {
            text += ",";
            if (k <= q) text += QString::number(double(heatmap_->value(q, k)), 'g', 9);
        }
        text += "\n";
    }
    return text;
}

void AttentionView::waitUntilReady() {
    grid_->waitUntilReady();
}

QList<QCustomPlot*> AttentionView::plots() const {
    return QList<QCustomPlot*>{heatmap_->plot()} + math_->plots();
}

void AttentionView::restyle() {
    const Presentation& p = Presentation::instance();
    setFont(p.font(10));
    for (auto* title : findChildren<QLabel*>("sectionTitle")) {
        QFont f = p.font(10);
        f.setBold(true);
        title->setFont(f);
    }
    heatmap_->restyle();
    grid_->setFont(p.font(8.5));
    grid_->restyle();
    math_->restyle();
}

}  // namespace tscope::ui
