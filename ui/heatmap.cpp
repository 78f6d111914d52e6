#include "ui/heatmap.h"

#include <qcustomplot.h>

#include <QMouseEvent>
#include <QPainter>
#include <QResizeEvent>
#include <QToolTip>
#include <algorithm>
#include <cmath>

#include "core/tokenizer.h"
#include "ui/plot_style.h"
#include "ui/session.h"
#include "ui/token_text.h"

namespace tscope::ui {

namespace {

// Over less than 1.6 decades QCPAxisTickerLog falls back to linear ticks (10, 20, 30, 40, 50),
// which crowd together at the top of a log scale; residual norms often span just that much, so
// there the ticks step 1-2-5 instead.
class OneTwoFiveLogTicker : public QCPAxisTickerLog {
  protected:
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override {
        if (range.lower <= 0 || std::log10(range.upper / range.lower) >= 1.6)
            return QCPAxisTickerLog::createTickVector(tickStep, range);
        QVector<double> ticks;
        for (double decade = std::pow(10.0, std::floor(std::log10(range.lower)));
             decade <= range.upper; decade *= 10)
            for (double mantissa : {1.0, 2.0, 5.0})
                if (const double tick = mantissa * decade;
                    tick >= range.lower && tick <= range.upper)
                    ticks.append(tick);
        return ticks;
    }
};

// Tick stride so labels (one text line each) never overlap: 1, 2, 5, 10, 20, 50, ...
int niceStride(double visibleCells, double axisPixels, double labelPixels) {
    if (axisPixels <= 0 || visibleCells <= 0) return 1;
    double needed = visibleCells * labelPixels / axisPixels;
    if (needed <= 1) return 1;
    for (int decade = 1;; decade *= 10) {
        for (int m : {1, 2, 5})
            if (m * decade >= needed) return m * decade;
    }
}

// Diagonal hatch on the background colour: what masked cells show through.
QBrush hatchBrush() {
    const Presentation& p = Presentation::instance();
    QPixmap tile(8, 8);
    tile.fill(p.background());
    QPainter painter(&tile);
    QColor line = p.foreground();
    line.setAlphaF(p.dark() ? 0.22 : 0.16);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(line, 1.2));
    painter.drawLine(0, 8, 8, 0);
    painter.drawLine(-1, 1, 1, -1);
    painter.drawLine(7, 9, 9, 7);
    return QBrush(tile);
}

}  // namespace

Heatmap::Heatmap(QWidget* parent) : QWidget(parent) {
    setupPlot();
    restyle();
}

Heatmap::~Heatmap() {
    if (!scaleShown_) delete scale_;  // not in the plot's layout, so the plot won't delete it
}

void Heatmap::setupPlot() {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(24, 16);  // QCustomPlot cannot paint into a 0-pixel buffer
    layout->addWidget(plot_);
    plot_->setMouseTracking(true);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    map_->setInterpolate(false);
    map_->setTightBoundary(false);
    scale_ = new QCPColorScale(plot_);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(12);
    plot_->plotLayout()->addElement(0, 1, scale_);
    map_->setColorScale(scale_);
    auto* group = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, group);
    scale_->setMarginGroup(QCP::msTop | QCP::msBottom, group);

    plot_->yAxis->setRangeReversed(true);  // row 0 on top, like a matrix
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        ticker->setSubTickCount(0);
        axis->setTicker(ticker);
        axis->grid()->setVisible(false);
        axis->setSubTicks(false);
        axis->setTickLengthIn(0);
        axis->setTickLengthOut(3);
    }
    plot_->xAxis->setTickLabelRotation(60);

    highlight_ = new QCPItemRect(plot_);
    highlight_->setVisible(false);
    highlight_->setBrush(Qt::NoBrush);
    highlight_->setClipToAxisRect(true);

    // Tick strides depend on the laid-out axis length: correct them once after a layout.
    connect(plot_, &QCustomPlot::afterLayout, this, [this] {
        laidOutSize_ = plot_->size();
        if (!updateTicks()) {
            correcting_ = false;
        } else if (!correcting_) {
            correcting_ = true;
            replot();
        }
    });
    connect(plot_, &QCustomPlot::mouseMove, this, &Heatmap::onMouseMove);
    connect(plot_, &QCustomPlot::mouseRelease, this, &Heatmap::onMousePress);
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        plot_->xAxis->setRange(-0.5, std::max(cols_, 1) - 0.5);
        plot_->yAxis->setRange(-0.5, std::max(rows_, 1) - 0.5);
        replot();
    });
    // Keep the view inside the data and the labels readable at every zoom level.
    auto clamp = [this](QCPAxis* axis, int n) {
        QCPRange r = axis->range(), full(-0.5, std::max(n, 1) - 0.5);
        if (r.size() > full.size()) r = full;
        if (r.lower < full.lower) r = QCPRange(full.lower, full.lower + r.size());
        if (r.upper > full.upper) r = QCPRange(full.upper - r.size(), full.upper);
        if (r != axis->range()) axis->setRange(r);
    };
    connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [=, this] {
        clamp(plot_->xAxis, cols_);
        updateTicks();
    });
    connect(plot_->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [=, this] {
        clamp(plot_->yAxis, rows_);
        updateTicks();
    });
}

void Heatmap::setValues(const Eigen::Ref<const RowMatrix>& values) {
    values_.resize(size_t(values.size()));
    Eigen::Map<RowMatrix>(values_.data(), values.rows(), values.cols()) = values;
    setValues(values_.data(), int(values.rows()), int(values.cols()));
}

void Heatmap::setLowerTriangle(const Eigen::Ref<const RowMatrix>& values) {
    values_.resize(size_t(values.size()));
    Eigen::Map<RowMatrix> m(values_.data(), values.rows(), values.cols());
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        Eigen::Index seen = std::min(r + 1, m.cols());  // keys 0..r; later keys are the future
        m.row(r).head(seen) = values.row(r).head(seen);
        m.row(r).tail(m.cols() - seen).setConstant(kMasked);
    }
    setValues(values_.data(), int(values.rows()), int(values.cols()));
}

namespace {

// QCustomPlot keeps the cell buffers and the image cache flag protected, and its public
// per-cell setters check bounds on every call (10 ms for 1024²). These accessors use the
// standard pointer-to-member idiom; no object of the derived types is ever made.
struct MapDataAccess : QCPColorMapData {
    static double* cells(QCPColorMapData* d) { return d->*(&MapDataAccess::mData); }
    static unsigned char* alpha(QCPColorMapData* d) { return d->*(&MapDataAccess::mAlpha); }
    static bool& modified(QCPColorMapData* d) { return d->*(&MapDataAccess::mDataModified); }
};
struct ColorMapAccess : QCPColorMap {
    static bool& imageInvalid(QCPColorMap* m) {
        return m->*(&ColorMapAccess::mMapImageInvalidated);
    }
};

}  // namespace

void Heatmap::setValues(const float* values, int rows, int cols) {
    if (values != values_.data()) values_.assign(values, values + size_t(rows) * size_t(cols));
    rows_ = rows;
    cols_ = cols;
    if (rows <= 0 || cols <= 0) {
        clear();
        return;
    }
    // A dimension of one cell needs an explicit ±0.5 extent (QCP derives cell size from n − 1).
    QCPRange keyRange = cols > 1 ? QCPRange(0, cols - 1) : QCPRange(-0.5, 0.5);
    QCPRange valueRange = rows > 1 ? QCPRange(0, rows - 1) : QCPRange(-0.5, 0.5);
    QCPColorMapData* data = map_->data();
    bool reuse = data->keySize() == cols && data->valueSize() == rows &&
                 data->keyRange() == keyRange && data->valueRange() == valueRange;
    if (!reuse) data = new QCPColorMapData(cols, rows, keyRange, valueRange);
    // cells are [valueIndex · keySize + keyIndex] = [row · cols + col], as values_
    double* z = MapDataAccess::cells(data);
    const size_t n = size_t(rows) * size_t(cols);
    const double hidden = logarithmic_ ? 1.0 : 0.0;  // any valid value: alpha 0 hides it
    bool anyMasked = false;
    for (size_t i = 0; i < n; ++i) {
        bool masked = std::isnan(values_[i]);
        anyMasked |= masked;
        z[i] = masked ? hidden : double(values_[i]);
    }
    if (anyMasked) {
        data->setAlpha(0, 0, 255);  // creates the alpha buffer, opaque
        unsigned char* alpha = MapDataAccess::alpha(data);
        for (size_t i = 0; i < n; ++i) alpha[i] = std::isnan(values_[i]) ? 0 : 255;
    } else {
        data->clearAlpha();
    }
    MapDataAccess::modified(data) = true;
    if (reuse)
        ColorMapAccess::imageInvalid(map_) = true;  // same buffers, new contents
    else
        map_->setData(data, false);
    plot_->xAxis->setRange(-0.5, cols - 0.5);
    plot_->yAxis->setRange(-0.5, rows - 0.5);
    updateRange();
    updateTicks();
    updateHighlight();
    replot();
}

void Heatmap::clear() {
    values_.clear();
    rows_ = cols_ = 0;
    map_->data()->setSize(0, 0);
    highlight_->setVisible(false);
    updateTicks();
    replot();
}

float Heatmap::value(int row, int col) const {
    if (row < 0 || col < 0 || row >= rows_ || col >= cols_) return kMasked;
    return values_[size_t(row) * size_t(cols_) + size_t(col)];
}

void Heatmap::setRowLabels(const QStringList& labels) {
    rowLabels_ = labels;
    updateTicks();
}

void Heatmap::setColumnLabels(const QStringList& labels) {
    colLabels_ = labels;
    updateTicks();
}

void Heatmap::setAxisTitles(const QString& rows, const QString& cols) {
    plot_->yAxis->setLabel(rows);
    plot_->xAxis->setLabel(cols);
}

void Heatmap::setScaleLabel(const QString& label) {
    scale_->setLabel(label);
}

void Heatmap::setFixedRange(double lo, double hi) {
    fixedLo_ = lo;
    fixedHi_ = hi;
    updateRange();
}

void Heatmap::setSymmetricRange(bool on) {
    symmetric_ = on;
    updateRange();
}

void Heatmap::setDiverging(bool on) {
    diverging_ = on;
    restyle();
}

void Heatmap::setLogarithmic(bool on) {
    logarithmic_ = on;
    map_->setDataScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on)
        scale_->axis()->setTicker(QSharedPointer<OneTwoFiveLogTicker>::create());
    else
        scale_->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
    updateRange();
    restyle();
}

void Heatmap::setShowScale(bool on) {
    if (on == scaleShown_) return;
    scaleShown_ = on;
    if (on) {
        plot_->plotLayout()->addElement(0, 1, scale_);
    } else {
        plot_->plotLayout()->take(scale_);  // owned by this widget until shown again
        plot_->plotLayout()->simplify();
    }
    scale_->setVisible(on);
}

void Heatmap::setColumnLabelsVisible(bool on) {
    colLabelsVisible_ = on;
    plot_->xAxis->setTickLabels(on);
}

void Heatmap::setTooltip(std::function<QString(int, int)> text) {
    tooltip_ = std::move(text);
}

void Heatmap::setHighlightedRow(int row) {
    setHighlightedCell(row, -1);
}

void Heatmap::setHighlightedColumn(int col) {
    setHighlightedCell(-1, col);
}

void Heatmap::setHighlightedCell(int row, int col) {
    highlightRow_ = row;
    highlightCol_ = col;
    updateHighlight();
    replot();
}

void Heatmap::updateHighlight() {
    bool rowOk = highlightRow_ >= 0 && highlightRow_ < rows_;
    bool colOk = highlightCol_ >= 0 && highlightCol_ < cols_;
    highlight_->setVisible(rowOk || colOk);
    if (!rowOk && !colOk) return;
    double left = colOk ? highlightCol_ - 0.5 : -0.5;
    double right = colOk ? highlightCol_ + 0.5 : cols_ - 0.5;
    double top = rowOk ? highlightRow_ - 0.5 : -0.5;
    double bottom = rowOk ? highlightRow_ + 0.5 : rows_ - 0.5;
    highlight_->topLeft->setCoords(left, top);
    highlight_->bottomRight->setCoords(right, bottom);
}

void Heatmap::updateRange() {
    double lo = fixedLo_, hi = fixedHi_;
    if (lo == hi) {
        lo = std::numeric_limits<double>::infinity();
        hi = -lo;
        for (float v : values_) {
            if (!std::isfinite(v) || (logarithmic_ && v <= 0)) continue;
            lo = std::min<double>(lo, v);
            hi = std::max<double>(hi, v);
        }
        if (!std::isfinite(lo)) lo = logarithmic_ ? 1 : 0, hi = logarithmic_ ? 10 : 1;
        if (symmetric_) {
            double m = std::max(std::abs(lo), std::abs(hi));
            lo = -m;
            hi = m;
        }
        if (hi - lo < 1e-12) hi = lo + std::max(1e-6, std::abs(lo) * 1e-3);  // constant map
    }
    map_->setDataRange(QCPRange(lo, hi));
}

// Labels every `stride` cells so they never overlap; returns true if a stride changed.
bool Heatmap::updateTicks() {
    QFontMetrics metrics(plot_->xAxis->tickLabelFont());
    double line = metrics.height() + 2;
    auto fill = [&](QCPAxis* axis, const QStringList& labels, int n, double pixels,
                    double labelPixels, int* lastStride) {
        auto ticker = axis->ticker().dynamicCast<QCPAxisTickerText>();
        if (!ticker) return false;
        int stride = niceStride(std::min<double>(axis->range().size(), n), pixels, labelPixels);
        QMap<double, QString> ticks;
        for (int i = 0; i < n; i += stride) {
            QString label = i < labels.size() ? labels[i] : QString::number(i);
            if (stride > 1 && i < labels.size()) label = QString("%1 %2").arg(i).arg(label);
            ticks.insert(i, label);
        }
        ticker->setTicks(ticks);
        bool changed = stride != *lastStride;
        *lastStride = stride;
        return changed;
    };
    // Before the first layout, or after a resize, the axis rect is stale: estimate it.
    QRect rect = plot_->axisRect()->rect();
    bool stale = rect.width() <= 10 || plot_->size() != laidOutSize_;
    double w = stale ? width() * 0.8 : rect.width();
    double h = stale ? height() * 0.7 : rect.height();
    // Horizontal x labels need their width; rotated ones, like y labels, one text line.
    double xLabel = line;
    if (plot_->xAxis->tickLabelRotation() == 0) {
        xLabel = metrics.horizontalAdvance(QString::number(cols_)) + 16;
        for (const QString& label : colLabels_)
            xLabel = std::max<double>(xLabel, metrics.horizontalAdvance(label) + 16);
    }
    bool changed = fill(plot_->xAxis, colLabels_, cols_, w, xLabel, &strideX_);
    changed |= fill(plot_->yAxis, rowLabels_, rows_, h, line, &strideY_);
    return changed;
}

void Heatmap::setLeftMargin(int pixels) {
    QCPAxisRect* rect = plot_->axisRect();
    if (pixels < 0) {
        rect->setAutoMargins(QCP::msAll);
        return;
    }
    rect->setAutoMargins(QCP::MarginSides(QCP::msAll) & ~QCP::MarginSides(QCP::msLeft));
    QMargins margins = rect->margins();
    margins.setLeft(pixels);
    rect->setMargins(margins);
}

// As many colour-scale ticks as fit the height without overlapping.
void Heatmap::updateScaleTicks() {
    int line = QFontMetrics(scale_->axis()->tickLabelFont()).height();
    scale_->axis()->ticker()->setTickCount(std::clamp(height() / (3 * std::max(line, 1)), 2, 6));
}

void Heatmap::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    updateScaleTicks();
    updateTicks();
    replot();
}

void Heatmap::restyle() {
    stylePlot(plot_);
    const Presentation& p = Presentation::instance();
    map_->setGradient(diverging_ ? divergingGradient() : p.heatGradient());
    plot_->axisRect()->setBackground(hatchBrush());
    highlight_->setPen(QPen(p.accent(), 2.5));
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
        axis->grid()->setVisible(false);
        axis->setTickLengthIn(0);
        axis->setSubTicks(false);
    }
    scale_->axis()->setTickLabelFont(p.font(8.5));
    scale_->axis()->setLabelFont(p.font(9));
    scale_->axis()->setTickLabelColor(p.foreground());
    scale_->axis()->setLabelColor(p.foreground());
    scale_->axis()->setBasePen(QPen(p.grid()));
    scale_->axis()->setTickPen(QPen(p.grid()));
    scale_->axis()->setSubTickPen(QPen(p.grid()));
    scale_->setBarWidth(int(12 * p.zoom()));
    updateScaleTicks();
    updateTicks();
    replot();
}

void Heatmap::replot() {
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool Heatmap::cellAt(const QPointF& pixel, int* row, int* col) const {
    if (rows_ <= 0 || cols_ <= 0) return false;
    if (!plot_->axisRect()->rect().contains(pixel.toPoint())) return false;
    double x = plot_->xAxis->pixelToCoord(pixel.x());
    double y = plot_->yAxis->pixelToCoord(pixel.y());
    int c = int(std::lround(x)), r = int(std::lround(y));
    if (c < 0 || r < 0 || c >= cols_ || r >= rows_) return false;
    *row = r;
    *col = c;
    return true;
}

void Heatmap::onMouseMove(QMouseEvent* event) {
    int r = -1, c = -1;
    if (!cellAt(event->position(), &r, &c)) {
        if (hoverRow_ >= 0) QToolTip::hideText();
        hoverRow_ = hoverCol_ = -1;
        emit cellHovered(-1, -1);
        return;
    }
    if (r == hoverRow_ && c == hoverCol_) return;
    hoverRow_ = r;
    hoverCol_ = c;
    QString text;
    if (tooltip_) {
        text = tooltip_(r, c);
    } else {
        float v = value(r, c);
        QString rl = r < rowLabels_.size() ? rowLabels_[r] : QString::number(r);
        QString cl = c < colLabels_.size() ? colLabels_[c] : QString::number(c);
        text = std::isnan(v) ? QString("%1 × %2: masked").arg(rl, cl)
                             : QString("%1 × %2: %3").arg(rl, cl).arg(double(v), 0, 'g', 6);
    }
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
    emit cellHovered(r, c);
}

void Heatmap::onMousePress(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    int r, c;
    clickModifiers_ = event->modifiers();
    if (cellAt(event->position(), &r, &c)) emit cellClicked(r, c);
}

void showLayerGrid(Heatmap* heatmap, const std::vector<std::vector<double>>& grid,
                   QStringList columns) {
    const int L = int(grid.size()), n = L > 0 ? int(grid[0].size()) : 0;
    RowMatrix values(L, n);  // [L, n]
    for (int l = 0; l < L; ++l)
        for (int i = 0; i < n; ++i) values(l, i) = float(grid[size_t(l)][size_t(i)]);
    heatmap->setRowLabels({});  // plain numbers under the axis titles "layer" and "head"
    heatmap->setColumnLabels(columns);
    heatmap->setValues(values);
}

QCPColorGradient divergingGradient() {
    const Presentation& p = Presentation::instance();
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setColorStopAt(0.0, p.dark() ? QColor(90, 160, 255) : QColor(33, 102, 172));
    g.setColorStopAt(0.25, p.dark() ? QColor(45, 90, 150) : QColor(146, 197, 222));
    g.setColorStopAt(0.5, p.background());
    g.setColorStopAt(0.75, p.dark() ? QColor(160, 70, 60) : QColor(244, 165, 130));
    g.setColorStopAt(1.0, p.dark() ? QColor(255, 110, 90) : QColor(178, 24, 43));
    return g;
}

QString tokenLabel(const Tokenizer* tokenizer, int id, int maxChars) {
    QString text = tokenPiece(tokenizer, id);  // the same text as the token chips
    if (maxChars > 1 && text.size() > maxChars) text = text.left(maxChars - 1) + QChar(0x2026);
    return text;
}

QStringList tokenLabels(const Snapshot& snapshot, int maxChars) {
    const Tokenizer* tokenizer = snapshot.model ? snapshot.model->tokenizer.get() : nullptr;
    QStringList labels;
    labels.reserve(snapshot.length());
    for (const TokenInfo& token : snapshot.tokens)
        labels << tokenLabel(tokenizer, token.id, maxChars);
    return labels;
}

QString csvField(const QString& text) {
    if (!text.contains(QRegularExpression("[\",\r\n]"))) return text;
    QString quoted = text;
    quoted.replace("\"", "\"\"");
    return "\"" + quoted + "\"";
}

}  // namespace tscope::ui
