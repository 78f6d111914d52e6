#include "ui/layers_view.h"

#include <qcustomplot.h>

#include <QAbstractTableModel>
#include <QCoreApplication>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/model.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/session.h"

namespace tscope::ui {

// The logit-lens grid: rows = lens points (layer l after attention, after the MLP), columns =
// positions; each cell the top token, shaded by its probability. Columns fill in as the worker
// delivers them; a column already computed for the same token prefix is kept.
class LensModel : public QAbstractTableModel {
  public:
    using Column = std::vector<std::vector<TokenScore>>;  // [row] → top-k

    using QAbstractTableModel::QAbstractTableModel;

    // Keeps the columns of positions whose tokens (and everything before them) are unchanged.
    void setSnapshot(std::shared_ptr<const Snapshot> snapshot) {
        beginResetModel();
        std::vector<int> ids = snapshot ? snapshot->ids() : std::vector<int>();
        bool sameModel = snapshot && snapshot_ && snapshot->model == snapshot_->model;
        size_t keep = 0;
        if (sameModel)
            while (keep < ids.size() && keep < ids_.size() && ids[keep] == ids_[keep]) ++keep;
        columns_.resize(std::min(keep, columns_.size()));
        columns_.resize(ids.size());
        ids_ = ids;
        snapshot_ = std::move(snapshot);
        labels_ = snapshot_ ? tokenLabels(*snapshot_, 12) : QStringList();
        rows_ = snapshot_ ? 2 * snapshot_->capture.layers() : 0;
        endResetModel();
    }
    void setColumn(int position, Column column) {
        if (position < 0 || position >= int(columns_.size())) return;
        columns_[size_t(position)] = std::move(column);
        emit dataChanged(index(0, position), index(rows_ - 1, position));
    }
    void setSelectedPosition(int position) {
        int old = selected_;
        selected_ = position;
        if (old >= 0 && old < columnCount()) emit headerDataChanged(Qt::Horizontal, old, old);
        if (position >= 0 && position < columnCount())
            emit headerDataChanged(Qt::Horizontal, position, position);
    }
    void restyle() {
        gradient_ = Presentation::instance().heatGradient();
        if (rowCount() > 0 && columnCount() > 0)
            emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    }
    bool has(int position) const {
        return position >= 0 && position < int(columns_.size()) &&
               !columns_[size_t(position)].empty();
    }
    const TokenScore* top(int row, int position) const {
        if (!has(position) || row < 0 || row >= rows_) return nullptr;
        const auto& cell = columns_[size_t(position)][size_t(row)];
        return cell.empty() ? nullptr : &cell.front();
    }
    int computed() const {
        return int(std::count_if(columns_.begin(), columns_.end(),
                                 [](const Column& c) { return !c.empty(); }));
    }
    static QString rowName(int row) {
        return QString("L%1 %2").arg(row / 2).arg(row % 2 == 0 ? "attn" : "mlp");
    }

    int rowCount(const QModelIndex& = {}) const override { return rows_; }
    int columnCount(const QModelIndex& = {}) const override { return int(columns_.size()); }

    QVariant data(const QModelIndex& index, int role) const override {
        const TokenScore* best = top(index.row(), index.column());
        const Tokenizer* tokenizer =
            snapshot_ && snapshot_->model ? snapshot_->model->tokenizer.get() : nullptr;
        switch (role) {
            case Qt::DisplayRole:
                if (!best) return QString("…");
                return QString("%1\n%2%")
                    .arg(tokenLabel(tokenizer, best->id, 10))
                    .arg(100.0 * double(best->prob), 0, 'f', best->prob < 0.1f ? 1 : 0);
            case Qt::BackgroundRole:
                if (!best) return QVariant();
                return QColor::fromRgb(gradient_.color(best->prob, QCPRange(0, 1)));
            case Qt::ForegroundRole: {
                if (!best) return QColor(Qt::gray);
                QColor back = gradient_.color(best->prob, QCPRange(0, 1));
                return back.lightnessF() > 0.55 ? QColor(20, 20, 20) : QColor(250, 250, 250);
            }
            case Qt::TextAlignmentRole:
                return int(Qt::AlignCenter);
            case Qt::ToolTipRole: {
                int t = index.column();
                QString text = QObject::tr("%1 at position %2 “%3”\nlogit lens top %4:")
                                   .arg(rowName(index.row()))
                                   .arg(t)
                                   .arg(t < labels_.size() ? labels_[t] : QString())
                                   .arg(LayersView::kLensTop);
                if (!has(t)) return text + QObject::tr("\n(computing…)");
                for (const TokenScore& s : columns_[size_t(t)][size_t(index.row())])
                    text += QString("\n  %1  %2  (logit %3)")
                                .arg(tokenLabel(tokenizer, s.id, 24), -16)
                                .arg(double(s.prob), 0, 'f', 4)
                                .arg(double(s.logit), 0, 'f', 2);
                return text;
            }
            default:
                return QVariant();
        }
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override {
        if (orientation == Qt::Vertical) {
            if (role == Qt::DisplayRole) return rowName(section);
            return QVariant();
        }
        if (role == Qt::DisplayRole)
            return QString("%1\n%2").arg(section).arg(section < labels_.size() ? labels_[section]
                                                                               : QString());
        if (role == Qt::FontRole && section == selected_) {
            QFont font = Presentation::instance().font(9);
            font.setBold(true);
            return font;
        }
        if (role == Qt::ForegroundRole && section == selected_)
            return Presentation::instance().accent();
        return QVariant();
    }

    QString csv() const {
        const Tokenizer* tokenizer =
            snapshot_ && snapshot_->model ? snapshot_->model->tokenizer.get() : nullptr;
        QString text = "lens";
        for (int t = 0; t < columnCount(); ++t)
            text += "," + csvField(QString("%1:%2").arg(t).arg(t < labels_.size() ? labels_[t]
                                                                                  : QString()));
        text += "\n";
        for (int r = 0; r < rows_; ++r) {
            text += rowName(r);
            for (int t = 0; t < columnCount(); ++t) {
                text += ",";
                if (const TokenScore* s = top(r, t))
                    text += csvField(QString("%1 %2")
                                         .arg(tokenLabel(tokenizer, s->id, 0))
                                         .arg(double(s->prob), 0, 'g', 6));
            }
            text += "\n";
        }
        return text;
    }

  private:
    std::shared_ptr<const Snapshot> snapshot_;
    std::vector<int> ids_;
    std::vector<Column> columns_;  // [T]; empty = not computed
    QStringList labels_;
    int rows_ = 0;
    int selected_ = -1;
    mutable QCPColorGradient gradient_ = Presentation::instance().heatGradient();
};

namespace {

QLabel* sectionTitle(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setObjectName("sectionTitle");
    label->setTextFormat(Qt::RichText);
    return label;
}

// Estimated flops of the whole lens grid; below this every position is computed, not only
// the selected and visible ones.
constexpr double kEagerLensFlops = 3e9;
// Below this a lens job runs right away on the GUI thread (quicker than a thread; the fixture).
constexpr double kInlineLensFlops = 5e8;

double lensFlops(const Model& model, size_t positions) {
    return 2.0 * 2 * model.config.n_layer * double(positions) * double(model.config.vocab_size) *
           model.config.n_embd;
}

// Every lens point of one position: [2L] top-k lists (empty for layers not captured).
LensModel::Column lensColumn(const Snapshot& snapshot, int t, const std::atomic<bool>& cancel) {
    const Model& model = *snapshot.model;
    const int L = snapshot.capture.layers();
    LensModel::Column column(size_t(2 * L));
    for (int l = 0; l < L && !cancel; ++l) {
        if (!snapshot.capture.keeps(l)) continue;
        column[size_t(2 * l)] = logitLens(model, snapshot.capture, l, LensPoint::AfterAttention, t,
                                          LayersView::kLensTop);
        column[size_t(2 * l + 1)] =
            logitLens(model, snapshot.capture, l, LensPoint::AfterMlp, t, LayersView::kLensTop);
    }
    return column;
}

}  // namespace

LayersView::LayersView(Session* session, QWidget* parent) : View(session, parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);
    header_ = new QLabel(this);
    header_->setTextFormat(Qt::RichText);
    layout->addWidget(header_);

    norms_ = new Heatmap(this);
    norms_->setAxisTitles(QString(), tr("position"));
    norms_->setScaleLabel(tr("‖x‖ (log)"));
    norms_->setLogarithmic(true);  // GPT-2's first position is ~30× the others
    norms_->setTooltip([this](int row, int t) {
        if (!snapshot_) return QString();
        QStringList labels = tokenLabels(*snapshot_);
        return tr("%1 at position %2 “%3”\n‖x‖ = %4")
            .arg(row == 0 ? tr("embeddings") : tr("after block %1").arg(row - 1))
            .arg(t)
            .arg(t < labels.size() ? labels[t] : QString())
            .arg(double(norms_->value(row, t)), 0, 'f', 3);
    });
    connect(norms_, &Heatmap::cellClicked, this, [this](int row, int t) {
        session_->selectPosition(t);
        if (row > 0) session_->selectLayer(row - 1);
    });
    auto* normsBox = new QWidget(this);
    auto* normsLayout = new QVBoxLayout(normsBox);
    normsLayout->setContentsMargins(0, 0, 0, 0);
    normsLayout->addWidget(sectionTitle(tr("Residual stream norm per layer and position"), this));
    normsLayout->addWidget(norms_, 1);
    norms_->setMinimumHeight(160);

    lens_ = new LensModel(this);
    lensTable_ = new QTableView(this);
    lensTable_->setModel(lens_);
    lensTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    lensTable_->setSelectionMode(QAbstractItemView::NoSelection);
    lensTable_->setShowGrid(true);
    lensTable_->setWordWrap(false);
    lensTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    lensTable_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    lensTable_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    connect(lensTable_, &QTableView::clicked, this,
            [this](const QModelIndex& index) { session_->selectPosition(index.column()); });
    lensStatus_ = new QLabel(this);
    auto* lensBox = new QWidget(this);
    auto* lensLayout = new QVBoxLayout(lensBox);
    lensLayout->setContentsMargins(0, 0, 0, 0);
    auto* lensHead = new QHBoxLayout;
    lensHead->addWidget(sectionTitle(tr("Logit lens: top prediction at each layer"), this));
    lensHead->addStretch(1);
    lensHead->addWidget(lensStatus_);
    lensLayout->addLayout(lensHead);
    lensLayout->addWidget(lensTable_, 1);
    lensTimer_.setSingleShot(true);
    lensTimer_.setInterval(120);
    connect(&lensTimer_, &QTimer::timeout, this, &LayersView::scheduleLens);
    connect(lensTable_->horizontalScrollBar(), &QScrollBar::valueChanged, this,
            [this] { lensTimer_.start(); });

    neuronTitle_ = sectionTitle(QString(), this);
    neurons_ = new QTableWidget(0, kTopNeurons, this);
    neurons_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    neurons_->setSelectionMode(QAbstractItemView::NoSelection);
    neurons_->setShowGrid(true);
    neurons_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    neurons_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    connect(neurons_, &QTableWidget::cellClicked, this,
            [this](int row, int) { session_->selectLayer(row); });
    profile_ = new QCustomPlot(this);
    profile_->setMinimumSize(60, 60);
    profile_->addGraph();
    profile_->graph(0)->setLineStyle(QCPGraph::lsImpulse);
    profile_->addGraph();  // the strongest neurons, marked
    profile_->graph(1)->setLineStyle(QCPGraph::lsNone);
    profile_->xAxis->setLabel(tr("neuron"));
    profile_->yAxis->setLabel(tr("GELU output"));
    profile_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    profile_->axisRect()->setRangeZoom(Qt::Horizontal);
    profile_->axisRect()->setRangeDrag(Qt::Horizontal);
    auto* neuronBox = new QWidget(this);
    auto* neuronLayout = new QVBoxLayout(neuronBox);
    neuronLayout->setContentsMargins(0, 0, 0, 0);
    neuronLayout->addWidget(neuronTitle_);
    neuronLayout->addWidget(neurons_, 3);
    neuronLayout->addWidget(profile_, 2);

    auto* bottom = new QSplitter(Qt::Horizontal, this);

    bottom->setChildrenCollapsible(false);
    bottom->addWidget(lensBox);
    bottom->addWidget(neuronBox);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    auto* main = new QSplitter(Qt::Vertical, this);
    main->setChildrenCollapsible(false);
    main->addWidget(normsBox);
    main->addWidget(bottom);
    main->setStretchFactor(0, 2);
    main->setStretchFactor(1, 3);
    layout->addWidget(main, 1);

    connect(session_, &Session::snapshotChanged, this, &LayersView::onSnapshot);
    connect(session_, &Session::selectionChanged, this, &LayersView::onSelection);
    connect(&Presentation::instance(), &Presentation::changed, this, &LayersView::restyle);
    for (QCustomPlot* plot : plots()) installExportMenu(plot, [this] { return csv(); });
    restyle();
    onSnapshot();
}

LayersView::~LayersView() {
    stopLens();
}

void LayersView::onSnapshot() {
    snapshot_ = session_->snapshot();
    stopLens();
    lens_->setSnapshot(snapshot_);
    extraPositions_.clear();
    fillNorms();
    position_ = layer_ = -1;
    onSelection();
    scheduleLens();
}

void LayersView::onSelection() {
    int T = snapshot_ ? snapshot_->capture.T : 0;
    int layers = snapshot_ ? snapshot_->capture.layers() : 0;
    int t = T > 0 ? std::clamp(session_->selectedPosition(), 0, T - 1) : -1;
    int l = layers > 0 ? std::clamp(session_->selectedLayer(), 0, layers - 1) : -1;
    bool moved = t != position_;
    if (!moved && l == layer_) return;
    position_ = t;
    layer_ = l;
    norms_->setHighlightedColumn(t);
    lens_->setSelectedPosition(t);
    fillNeurons();
    fillProfile();
    if (moved && t >= 0) {
        lensTable_->scrollTo(lens_->index(0, t), QAbstractItemView::EnsureVisible);
        if (!lens_->has(t)) scheduleLens();
    }
    QStringList labels = snapshot_ ? tokenLabels(*snapshot_, 40) : QStringList();
    header_->setText(
        t < 0 ? tr("<b>Layers</b>: no tokens yet")
              : tr("<b>Position %1 “%2”</b> &nbsp; layer %3 &nbsp; <span style='color:%4'>"
                   "click a cell to pick a position (and a layer)</span>")
                    .arg(t)
                    .arg(t < labels.size() ? labels[t].toHtmlEscaped() : QString())
                    .arg(l)
                    .arg(Presentation::instance().muted().name()));
}

// ‖x‖ of the residual stream: row 0 embed.sum, row l+1 block l's output.  [L+1, T]
void LayersView::fillNorms() {
    if (!snapshot_ || snapshot_->capture.T == 0) {
        norms_->clear();
        return;
    }
    const Capture& capture = snapshot_->capture;
    int T = capture.T, L = capture.layers();
    RowMatrix norms = RowMatrix::Constant(L + 1, T, kMasked);
    norms.row(0) = capture.residIn(0, 0, T).rowwise().norm().transpose();
    QStringList rows{tr("embed")};
    for (int l = 0; l < L; ++l) {
        if (capture.keeps(l)) norms.row(l + 1) = capture.residPost(l).rowwise().norm().transpose();
        rows << tr("block %1").arg(l);
    }
    norms_->setRowLabels(rows);
    norms_->setColumnLabels(tokenLabels(*snapshot_));
    norms_->setValues(norms);
}

// Top |activation| neurons of every layer at the selected position.  [L, kTopNeurons]
void LayersView::fillNeurons() {
    const Capture* capture = snapshot_ ? &snapshot_->capture : nullptr;
    int L = capture ? capture->layers() : 0;
    neurons_->setRowCount(position_ >= 0 ? L : 0);
    neuronTitle_->setText(
        position_ >= 0
            ? tr("Strongest MLP neurons at position %1 (largest |GELU output|)").arg(position_)
            : tr("Strongest MLP neurons"));
    if (position_ < 0) return;
    QStringList rowNames;
    float maxAbs = 1e-6f;
    std::vector<std::vector<std::pair<int, float>>> top(static_cast<size_t>(L));
    for (int l = 0; l < L; ++l) {
        rowNames << tr("L%1").arg(l);
        if (!capture->keeps(l) || position_ >= capture->T) continue;
        const RowVector act = capture->mlpRows(l, position_, 1).act.row(0);  // [F]
        std::vector<int> order(size_t(act.size()));
        std::iota(order.begin(), order.end(), 0);
        size_t k = std::min(order.size(), size_t(kTopNeurons));
        std::partial_sort(order.begin(), order.begin() + ptrdiff_t(k), order.end(),
                          [&](int a, int b) {
                              float fa = std::abs(act[a]), fb = std::abs(act[b]);
                              return fa != fb ? fa > fb : a < b;
                          });
        for (size_t i = 0; i < k; ++i) {
            top[size_t(l)].push_back({order[i], act[order[i]]});
            maxAbs = std::max(maxAbs, std::abs(act[order[i]]));
        }
    }
    neurons_->setVerticalHeaderLabels(rowNames);
    // no empty rows below the layers: the activation profile gets the room
    neurons_->setMaximumHeight(neurons_->horizontalHeader()->sizeHint().height() +
                               L * neurons_->verticalHeader()->defaultSectionSize() +
                               2 * neurons_->frameWidth() + 2);
    QStringList columns;
    for (int i = 0; i < kTopNeurons; ++i) columns << QString("#%1").arg(i + 1);
    neurons_->setHorizontalHeaderLabels(columns);
    QCPColorGradient diverging = divergingGradient();
    for (int l = 0; l < L; ++l) {
        for (int i = 0; i < kTopNeurons; ++i) {
            auto* item = new QTableWidgetItem;
            item->setTextAlignment(Qt::AlignCenter);
            if (size_t(i) < top[size_t(l)].size()) {
                auto [neuron, value] = top[size_t(l)][size_t(i)];
                item->setText(QString("n%1\n%2").arg(neuron).arg(double(value), 0, 'f', 2));
                item->setData(Qt::UserRole, neuron);
                item->setData(Qt::UserRole + 1, double(value));
                // a little headroom, so the strongest cell is not fully saturated
                QColor back = diverging.color(value, QCPRange(-1.3 * maxAbs, 1.3 * maxAbs));
                item->setBackground(back);
                item->setForeground(back.lightnessF() > 0.55 ? QColor(20, 20, 20)
                                                             : QColor(250, 250, 250));
                item->setToolTip(tr("layer %1, neuron %2 at position %3\nGELU output %4")
                                     .arg(l)
                                     .arg(neuron)
                                     .arg(position_)
                                     .arg(double(value), 0, 'f', 4));
            }
            neurons_->setItem(l, i, item);
        }
    }
}

// The selected layer's MLP activations at the selected position over all F neurons.
void LayersView::fillProfile() {
    QVector<double> x, y, topX, topY;
    if (snapshot_ && position_ >= 0 && layer_ >= 0) {
        const Capture& capture = snapshot_->capture;
        if (capture.keeps(layer_) && position_ < capture.T) {
            const RowVector act = capture.mlpRows(layer_, position_, 1).act.row(0);  // [F]
            for (Eigen::Index i = 0; i < act.size(); ++i) {
                x << double(i);
                y << double(act[i]);
            }
            for (int r = 0; r < neurons_->columnCount(); ++r)
                if (auto* item = neurons_->item(layer_, r);
                    item && item->data(Qt::UserRole).isValid()) {
                    topX << item->data(Qt::UserRole).toDouble();
                    topY << item->data(Qt::UserRole + 1).toDouble();
                }
        }
    }
    profile_->graph(0)->setData(x, y, true);
    profile_->graph(1)->setData(topX, topY);
    profile_->graph(0)->setName(tr("layer %1").arg(layer_));
    profile_->xAxis->setLabel(tr("neuron (layer %1, position %2)").arg(layer_).arg(position_));
    profile_->rescaleAxes();
    QCPRange r = profile_->yAxis->range();
    profile_->yAxis->setRange(r.lower - 0.08 * r.size(), r.upper + 0.08 * r.size());
    profile_->replot(QCustomPlot::rpQueuedReplot);
}

std::optional<TokenScore> LayersView::lensTop(int row, int position) const {
    if (const TokenScore* s = lens_->top(row, position)) return *s;
    return std::nullopt;
}

void LayersView::requestLens(const std::vector<int>& positions) {
    extraPositions_.insert(extraPositions_.end(), positions.begin(), positions.end());
    scheduleLens();
}

std::vector<int> LayersView::visibleLensColumns() const {
    int T = lens_->columnCount();
    if (T == 0 || !lensTable_->isVisible()) return {};
    int first = lensTable_->columnAt(0);
    int last = lensTable_->columnAt(lensTable_->viewport()->width() - 1);
    if (first < 0) return {};
    if (last < 0) last = T - 1;
    std::vector<int> columns;
    for (int t = first; t <= last; ++t) columns.push_back(t);
    return columns;
}

// Order: the selected position, positions asked for, the visible columns; everything when the
// whole grid is cheap (the fixture model, short prompts).
void LayersView::scheduleLens() {
    if (!snapshot_ || !snapshot_->model || snapshot_->capture.T == 0) {
        lensStatus_->clear();
        return;
    }
    const Model& model = *snapshot_->model;
    int T = snapshot_->capture.T;
    std::vector<int> wanted;
    auto want = [&](int t) {
        if (t >= 0 && t < T && !lens_->has(t) &&
            std::find(wanted.begin(), wanted.end(), t) == wanted.end())
            wanted.push_back(t);
    };
    want(position_);
    for (int t : extraPositions_) want(t);
    for (int t : visibleLensColumns()) want(t);
    if (lensFlops(model, size_t(T)) <= kEagerLensFlops)
        for (int t = T - 1; t >= 0; --t) want(t);
    if (wanted.empty()) {
        if (!worker_.joinable())
            lensStatus_->setText(tr("%1 of %2 positions").arg(lens_->computed()).arg(T));
        return;
    }
    startLens(std::move(wanted));
}

void LayersView::stopLens() {
    if (cancel_) *cancel_ = true;
    if (worker_.joinable()) worker_.join();
    ++generation_;  // drop columns still queued from the old job
}

void LayersView::startLens(std::vector<int> positions) {
    stopLens();
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    if (lensFlops(*snapshot_->model, positions.size()) <= kInlineLensFlops) {
        for (int t : positions) lens_->setColumn(t, lensColumn(*snapshot_, t, *cancel_));
        lensStatus_->setText(
            tr("%1 of %2 positions").arg(lens_->computed()).arg(lens_->columnCount()));
        return;
    }
    lensStatus_->setText(tr("computing %1 positions…").arg(positions.size()));
    auto snapshot = snapshot_;
    auto cancel = cancel_;
    int generation = generation_;
    // The snapshot is immutable and shared, so the worker reads it without locks. ~LayersView
    // joins the thread, so `this` outlives every invokeMethod below.
    worker_ = std::thread([this, snapshot, cancel, generation, positions] {
        for (int t : positions) {
            LensModel::Column column = lensColumn(*snapshot, t, *cancel);
            if (*cancel) return;
            QMetaObject::invokeMethod(
                this,
                [this, generation, t, column = std::move(column)]() mutable {
                    onLensColumn(generation, t, std::move(column));
                },
                Qt::QueuedConnection);
        }
    });
}

void LayersView::onLensColumn(int generation, int position,
                              std::vector<std::vector<TokenScore>> cells) {
    if (generation != generation_) return;
    lens_->setColumn(position, std::move(cells));
    int T = lens_->columnCount();
    lensStatus_->setText(tr("%1 of %2 positions").arg(lens_->computed()).arg(T));
}

void LayersView::waitUntilReady() {
    scheduleLens();  // the visible columns may have changed since the snapshot arrived
    waitForLens();
}

void LayersView::showEvent(QShowEvent* event) {
    View::showEvent(event);
    lensTimer_.start();  // now the visible columns are known
}

void LayersView::resizeEvent(QResizeEvent* event) {
    View::resizeEvent(event);
    lensTimer_.start();
}

void LayersView::waitForLens() {
    if (worker_.joinable()) worker_.join();
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

QString LayersView::csv() const {
    QString text = "residual_norm";
    int T = norms_->cols();
    QStringList labels = snapshot_ ? tokenLabels(*snapshot_, 0) : QStringList();
    for (int t = 0; t < T; ++t)
        text += "," + csvField(QString("%1:%2").arg(t).arg(t < labels.size() ? labels[t] : ""));
    text += "\n";
    for (int r = 0; r < norms_->rows(); ++r) {
        text += r == 0 ? QString("embed") : QString("block %1").arg(r - 1);
        for (int t = 0; t < T; ++t)
            text += "," + QString::number(double(norms_->value(r, t)), 'g', 9);
        text += "\n";
    }
    text += "\n" + lens_->csv();
    text += QString("\nneurons at position %1").arg(position_);
    for (int i = 0; i < kTopNeurons; ++i) text += QString(",top%1 neuron,top%1 value").arg(i + 1);
    text += "\n";
    for (int l = 0; l < neurons_->rowCount(); ++l) {
        text += QString("L%1").arg(l);
        for (int i = 0; i < neurons_->columnCount(); ++i) {
            auto* item = neurons_->item(l, i);
            bool ok = item && item->data(Qt::UserRole).isValid();
            text += ok ? QString(",%1,%2")
                             .arg(item->data(Qt::UserRole).toInt())
                             .arg(item->data(Qt::UserRole + 1).toDouble(), 0, 'g', 9)
                       : QString(",,");
        }
        text += "\n";
    }
    return text;
}

QList<QCustomPlot*> LayersView::plots() const {
    return {norms_->plot(), profile_};
}

void LayersView::restyle() {
    const Presentation& p = Presentation::instance();
    setFont(p.font(10));
    header_->setFont(p.font(11));
    for (auto* title : findChildren<QLabel*>("sectionTitle")) {
        QFont f = p.font(10);
        f.setBold(true);
        title->setFont(f);
    }
    norms_->restyle();
    lens_->restyle();
    QFont cellFont = p.font(9);
    QFontMetrics metrics(cellFont);
    lensTable_->setFont(cellFont);
    lensTable_->horizontalHeader()->setFont(cellFont);
    lensTable_->verticalHeader()->setFont(cellFont);
    lensTable_->horizontalHeader()->setDefaultSectionSize(metrics.horizontalAdvance("·abcdefghij") +
                                                          8);
    lensTable_->verticalHeader()->setDefaultSectionSize(2 * metrics.height() + 6);
    neurons_->setFont(cellFont);
    neurons_->verticalHeader()->setDefaultSectionSize(2 * metrics.height() + 6);
    stylePlot(profile_);
    QColor accent = p.accent();
    profile_->graph(0)->setPen(QPen(p.foreground(), 1));
    profile_->graph(1)->setPen(QPen(accent, 1.5));
    profile_->graph(1)->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, accent, accent, 6 * p.zoom()));
    profile_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace tscope::ui
