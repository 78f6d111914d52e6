#include "ui/attention_grid.h"

#include <qcustomplot.h>

#include <QMouseEvent>
#include <QPainter>
#include <QPointer>
#include <QToolTip>
#include <algorithm>

#include "ui/plot_style.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

// Label every k-th cell, k the first of 1, 2, 5, 10, 20, ... that gives each label `needed`
// pixels, cells `step` pixels apart.
int labelStride(int step, int needed) {
    for (int stride = 1;; stride *= 10)
        for (int k : {1, 2, 5})
            if (k * stride * std::max(step, 1) >= needed) return k * stride;
}

// One head's T×T probabilities as an n×n image, n = min(T, maxPixels): each pixel shows the
// largest weight in its block, so a single strong key survives the downsampling. Blocks wholly
// above the diagonal (the masked future) get `masked`.
QImage thumbnail(const RowMatrix& probs, int T, int maxPixels, QCPColorGradient& gradient,
                 QRgb masked) {
    int n = std::min(T, maxPixels);
    QImage image(n, n, QImage::Format_RGB32);
    std::vector<double> pooled(size_t(n), 0.0);
    for (int py = 0; py < n; ++py) {
        int r0 = py * T / n, r1 = (py + 1) * T / n;  // rows [r0, r1)
        std::fill(pooled.begin(), pooled.end(), 0.0);
        for (int px = 0; px < n; ++px) {
            int c0 = px * T / n, c1 = (px + 1) * T / n;
            float best = 0;
            for (int r = r0; r < r1; ++r)
                for (int c = c0; c < std::min(c1, r + 1); ++c) best = std::max(best, probs(r, c));
            pooled[size_t(px)] = best;
        }
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(py));
        gradient.colorize(pooled.data(), QCPRange(0, 1), line, n);
        for (int px = 0; px < n; ++px)
            if (px * T / n > r1 - 1) line[px] = masked;
    }
    return image;
}

std::vector<QImage> renderAll(const Snapshot& snapshot, QCPColorGradient gradient, QRgb masked,
                              const std::atomic<bool>& cancel) {
    const Capture& capture = snapshot.capture;
    int T = capture.T;
    std::vector<QImage> images;
    for (int l = 0; l < capture.layers(); ++l) {
        for (int h = 0; h < capture.heads(); ++h) {
            if (cancel) return {};
            // computed here, not cached: a sweep over every head would evict what views show
            images.push_back(capture.keeps(l) && T > 0
                                 ? thumbnail(capture.computePattern(l, h).probs, T,
                                             AttentionGrid::kThumbnailPixels, gradient, masked)
                                 : QImage());
        }
    }
    return images;
}

// Below this many cells (layers × heads × T²) rendering is quicker than starting a thread.
constexpr double kSynchronousCells = 4e6;

}  // namespace

AttentionGrid::AttentionGrid(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    settle_.setSingleShot(true);
    settle_.setInterval(kSettleMs);
    connect(&settle_, &QTimer::timeout, this, [this] {
        if (isVisible()) startWorker();
    });
}

AttentionGrid::~AttentionGrid() {
    stopWorker();
}

void AttentionGrid::stopWorker() {
    if (cancel_) *cancel_ = true;
    if (worker_) worker_->wait();
    worker_ = nullptr;  // its finished() may still be queued; takeResult ignores old generations
}

void AttentionGrid::setSnapshot(std::shared_ptr<const Snapshot> snapshot) {
    snapshot_ = std::move(snapshot);
    render(KeepOld::WhileRendering);
}

void AttentionGrid::restyle() {
    render(KeepOld::No);
}

void AttentionGrid::render(KeepOld keepOld) {
    stopWorker();
    settle_.stop();
    ++generation_;
    ready_ = false;
    const Capture* capture = snapshot_ ? &snapshot_->capture : nullptr;
    const int layers = capture ? capture->layers() : 0;
    const int heads = layers > 0 ? capture->heads() : 0;
    // A Step changes one row of each pattern: the old thumbnails stay up until the new ones are
    // in, rather than the grid blanking on every step.
    if (keepOld == KeepOld::No || layers != layers_ || heads != heads_) thumbnails_.clear();
    layers_ = layers;
    heads_ = heads;
    updateGeometry();
    if (!snapshot_) {
        thumbnails_.clear();
        ready_ = true;
        update();
        return;
    }
    double cells = double(layers_) * heads_ * double(capture->T) * capture->T;
    if (cells <= kSynchronousCells) {
        const Presentation& p = Presentation::instance();
        std::atomic<bool> never(false);
        thumbnails_ = renderAll(*snapshot_, p.heatGradient(), p.grid().rgb(), never);
        ready_ = true;
        update();
        return;
    }
    // Large captures wait until the snapshot has settled and the grid is on screen: Steps in a
    // row and hidden tabs then cost no background work competing with the next decode.
    settle_.start();
    update();
}

void AttentionGrid::startWorker() {
    if (ready_ || worker_ || !snapshot_) return;
    const Presentation& p = Presentation::instance();
    QCPColorGradient gradient = p.heatGradient();
    QRgb masked = p.grid().rgb();
    // The snapshot is immutable and shared, so the worker can read it while the GUI goes on.
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    pending_ = std::make_shared<std::vector<QImage>>();
    auto snapshot = snapshot_;
    auto result = pending_;
    auto cancel = cancel_;
    QThread* thread =
        QThread::create([=] { *result = renderAll(*snapshot, gradient, masked, *cancel); });
    worker_ = thread;
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    connect(thread, &QThread::finished, this, [this, gen = generation_] { takeResult(gen); });
    thread->start(QThread::LowPriority);
}

void AttentionGrid::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!ready_ && !worker_) settle_.start();
}

void AttentionGrid::waitUntilReady() {
    if (ready_) return;
    settle_.stop();
    startWorker();
    if (worker_) worker_->wait();
    takeResult(generation_);
}

// Results of an older snapshot (generation) are dropped.
void AttentionGrid::takeResult(int generation) {
    if (generation != generation_ || ready_ || !pending_) return;
    thumbnails_ = std::move(*pending_);
    ready_ = true;
    update();
}

QImage AttentionGrid::thumbnail(int layer, int head) const {
    size_t i = size_t(layer) * size_t(heads_) + size_t(head);
    if (layer < 0 || head < 0 || layer >= layers_ || head >= heads_ || i >= thumbnails_.size())
        return {};
    return thumbnails_[i];
}

void AttentionGrid::setCrossedOut(std::vector<std::pair<int, int>> heads) {
    crossedOut_ = std::move(heads);
    update();
}

void AttentionGrid::setSelected(int layer, int head) {
    if (layer == selectedLayer_ && head == selectedHead_) return;
    selectedLayer_ = layer;
    selectedHead_ = head;
    update();
}

AttentionGrid::Geometry AttentionGrid::geometry() const {
    QFontMetrics metrics(font());
    Geometry g;
    g.labelWidth = metrics.horizontalAdvance("L00") + 8;
    g.labelHeight = metrics.height() + 4;
    g.gap = 4;
    if (layers_ <= 0 || heads_ <= 0) {
        g.cell = 0;
        return g;
    }
    int byWidth = (width() - g.labelWidth) / heads_ - g.gap;
    int byHeight = (height() - g.labelHeight) / layers_ - g.gap;
    g.cell = std::max(6, std::min(byWidth, byHeight));
    // centre the grid when the height is what limits it
    int spare = width() - g.labelWidth - heads_ * (g.cell + g.gap);
    if (spare > 0) g.labelWidth += spare / 2;
    return g;
}

QSize AttentionGrid::sizeHint() const {
    QFontMetrics metrics(font());
    int cell = 44;
    return QSize(metrics.horizontalAdvance("L00") + 8 + std::max(heads_, 1) * (cell + 4),
                 metrics.height() + 4 + std::max(layers_, 1) * (cell + 4));
}

QSize AttentionGrid::minimumSizeHint() const {
    QFontMetrics metrics(font());
    // big enough to see a pattern in each thumbnail, capped so 12 layers still leave room
    int cell = 24;
    return QSize(metrics.horizontalAdvance("L00") + 8 + std::max(heads_, 1) * (cell + 4),
                 std::min(300, metrics.height() + 4 + std::max(layers_, 1) * (cell + 4)));
}

bool AttentionGrid::cellAt(QPoint pos, int* layer, int* head) const {
    Geometry g = geometry();
    if (g.cell <= 0) return false;
    int x = pos.x() - g.labelWidth, y = pos.y() - g.labelHeight;
    if (x < 0 || y < 0) return false;
    int h = x / (g.cell + g.gap), l = y / (g.cell + g.gap);
    if (h >= heads_ || l >= layers_) return false;
    if (x % (g.cell + g.gap) >= g.cell || y % (g.cell + g.gap) >= g.cell) return false;
    *layer = l;
    *head = h;
    return true;
}

void AttentionGrid::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const Presentation& p = Presentation::instance();
    painter.fillRect(rect(), p.background());
    Geometry g = geometry();
    if (g.cell <= 0) return;
    painter.setPen(p.foreground());
    QFont small = font();
    painter.setFont(small);
    const int step = g.cell + g.gap;
    const QFontMetrics metrics(small);
    // Label every head / layer while the labels fit, else every 2nd, 5th, 10th, ... (36 × 20
    // heads of gpt2-large in a small pane), each centred on its cell
    const int headEvery = labelStride(step, metrics.horizontalAdvance("H00") + 4);
    for (int h = 0; h < heads_; h += headEvery) {
        const int centre = g.labelWidth + h * step + g.cell / 2, width = headEvery * step;
        painter.drawText(QRect(centre - width / 2, 0, width, g.labelHeight), Qt::AlignCenter,
                         QString("H%1").arg(h));
    }
    const int layerEvery = labelStride(step, metrics.height());
    for (int l = 0; l < layers_; l += layerEvery) {
        const int centre = g.labelHeight + l * step + g.cell / 2, height = layerEvery * step;
        painter.drawText(QRect(0, centre - height / 2, g.labelWidth - 6, height),
                         Qt::AlignRight | Qt::AlignVCenter, QString("L%1").arg(l));
    }
    for (int l = 0; l < layers_; ++l) {
        for (int h = 0; h < heads_; ++h) {
            const QRect target = g.cellRect(l, h);
            QImage image = thumbnail(l, h);
            if (image.isNull())
                painter.fillRect(target, p.grid());
            else
                painter.drawImage(target, image);  // nearest-neighbour: crisp cells
        }
    }
    painter.setPen(QPen(p.error(), 2));
    for (const auto& [l, h] : crossedOut_) {
        if (l >= layers_ || h >= heads_) continue;
        const QRect cell = g.cellRect(l, h);
        painter.drawLine(cell.topLeft(), cell.bottomRight());
        painter.drawLine(cell.topRight(), cell.bottomLeft());
    }
    // The open head (or the whole layer when heads are averaged).
    if (selectedLayer_ >= 0 && selectedLayer_ < layers_) {
        painter.setPen(QPen(p.accent(), 2.5));
        painter.setBrush(Qt::NoBrush);
        int y = g.labelHeight + selectedLayer_ * step - 2;
        if (selectedHead_ < 0)
            painter.drawRect(g.labelWidth - 2, y, heads_ * step, g.cell + 4);
        else if (selectedHead_ < heads_)
            painter.drawRect(g.labelWidth + selectedHead_ * step - 2, y, g.cell + 4, g.cell + 4);
    }
    if (!ready_ && thumbnails_.empty()) {
        painter.setPen(p.foreground());
        painter.drawText(rect(), Qt::AlignCenter, tr("rendering…"));
    }
}

void AttentionGrid::mousePressEvent(QMouseEvent* event) {
    int layer, head;
    if (event->button() != Qt::LeftButton || !cellAt(event->position().toPoint(), &layer, &head))
        return;
    if (event->modifiers() & Qt::ControlModifier)
        emit ablationToggled(layer, head);
    else
        emit headClicked(layer, head);
}

void AttentionGrid::mouseMoveEvent(QMouseEvent* event) {
    int layer, head;
    if (cellAt(event->position().toPoint(), &layer, &head)) {
        setCursor(Qt::PointingHandCursor);
        QToolTip::showText(
            event->globalPosition().toPoint(),
            tr("Layer %1, head %2: click to open · Ctrl+click to ablate").arg(layer).arg(head),
            this);
    } else {
        unsetCursor();
        QToolTip::hideText();
    }
}

}  // namespace tscope::ui
