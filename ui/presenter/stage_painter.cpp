#include "ui/presenter/stage_painter.h"

#include <QFontDatabase>
#include <QPainter>
#include <QTextLayout>
#include <algorithm>
#include <cmath>

#include "ui/plot_style.h"
#include "ui/presenter/stage.h"
#include "ui/presenter/stage_data.h"

namespace tscope::ui {

namespace {

constexpr double kDesignWidth = 1280, kDesignHeight = 720;
constexpr double kMargin = 48;

QString formatValue(float v) {
    if (std::isinf(v)) return v < 0 ? "−∞" : "∞";
    QString text = QString::number(double(v), 'f', 2);
    if (text.startsWith('-')) text.replace(0, 1, QChar(0x2212));  // a real minus sign
    return text;
}

}  // namespace

StagePainter::StagePainter(QPainter& painter, QSizeF size)
    : painter_(painter),
      scale_(std::min(size.width() / kDesignWidth, size.height() / kDesignHeight)) {
    painter_.setRenderHint(QPainter::Antialiasing);
    painter_.setRenderHint(QPainter::TextAntialiasing);
}

QFont StagePainter::font(double designPx, bool bold, bool mono) const {
    QFont f = mono ? QFontDatabase::systemFont(QFontDatabase::FixedFont) : QFont();
    f.setPixelSize(std::max(1, int(std::lround(designPx * scale_))));
    f.setBold(bold);
    return f;
}

QColor StagePainter::foreground() const {
    return Presentation::instance().foreground();
}
QColor StagePainter::muted() const {
    return Presentation::instance().muted();
}
QColor StagePainter::accent() const {
    return Presentation::instance().accent();
}
QColor StagePainter::series() const {
    return Presentation::instance().series();
}
QColor StagePainter::background() const {
    return Presentation::instance().background();
}

double StagePainter::text(const QRectF& rect, const QString& text, const QFont& font,
                          const QColor& colour, int flags) {
    painter_.setFont(font);
    painter_.setPen(colour);
    QRectF used;
    painter_.drawText(rect, flags | Qt::TextWordWrap, text, &used);
    return used.height();
}

void StagePainter::line(const QRectF& rect, const QString& text, const QFont& font,
                        const QColor& colour, int flags) {
    painter_.setFont(font);
    painter_.setPen(colour);
    const QString shown = QFontMetricsF(font).elidedText(text, Qt::ElideRight, rect.width());
    painter_.drawText(rect, flags | Qt::TextSingleLine, shown);
}

double StagePainter::chips(const QRectF& rect, const QStringList& pieces,
                           const std::vector<int>& ids, int highlight, int generatedFrom) {
    const QFont pieceFont = font(kBodyPx, false, true);
    const QFont idFont = font(kSmallPx);
    const double pad = px(12), gap = px(10);
    const double height =
        QFontMetricsF(pieceFont).height() + QFontMetricsF(idFont).height() + 3 * px(6);
    double x = rect.left(), y = rect.top();
    const Presentation& p = Presentation::instance();
    for (int i = 0; i < pieces.size(); ++i) {
        const QString id = i < int(ids.size()) ? QString::number(ids[size_t(i)]) : QString();
        const double width = std::max(QFontMetricsF(pieceFont).horizontalAdvance(pieces[i]),
                                      QFontMetricsF(idFont).horizontalAdvance(id)) +
                             2 * pad;
        if (x + width > rect.right() && x > rect.left()) {
            x = rect.left();
            y += height + gap;
        }
        const QRectF chip(x, y, width, height);
        QColor fill = i >= generatedFrom ? p.generatedTokenColor(i) : p.tokenColor(i);
        painter_.setPen(i == highlight ? QPen(accent(), px(4)) : Qt::NoPen);
        painter_.setBrush(fill);
        painter_.drawRoundedRect(chip, px(8), px(8));
        const QRectF top(chip.left(), chip.top() + px(6), width, QFontMetricsF(pieceFont).height());
        text(top, pieces[i], pieceFont, foreground(), Qt::AlignHCenter);
        const QRectF bottom(chip.left(), top.bottom() + px(6), width,
                            QFontMetricsF(idFont).height());
        text(bottom, id, idFont, muted(), Qt::AlignHCenter);
        x += width + gap;
    }
    return pieces.isEmpty() ? 0 : y + height - rect.top();
}

QColor StagePainter::diverging(float value, float range) const {
    if (!std::isfinite(value)) return muted().lighter(120);
    const double t = std::clamp(double(std::abs(value)) / std::max(double(range), 1e-9), 0.0, 1.0);
    QColor end = value < 0 ? series() : QColor(0xf0, 0x8c, 0x00);
    const QColor bg = background();
    return QColor::fromRgbF(float(bg.redF() + (end.redF() - bg.redF()) * t),
                            float(bg.greenF() + (end.greenF() - bg.greenF()) * t),
                            float(bg.blueF() + (end.blueF() - bg.blueF()) * t));
}

void StagePainter::strip(const QRectF& rect, const std::vector<float>& values, float range) {
    if (values.empty()) return;
    const double w = rect.width() / double(values.size());
    painter_.setPen(Qt::NoPen);
    for (size_t i = 0; i < values.size(); ++i) {
        painter_.setBrush(diverging(values[i], range));
        painter_.drawRect(QRectF(rect.left() + w * double(i), rect.top(), w + 0.5, rect.height()));
    }
    painter_.setPen(QPen(muted(), px(1)));
    painter_.setBrush(Qt::NoBrush);
    painter_.drawRect(rect);
}

namespace {

// "[ 0.12  −0.03  …  0.44 ]": the first `shown` and the last two values.
QString numbersText(const std::vector<float>& values, int shown) {
    QStringList cells;
    const int n = int(values.size());
    const int head = std::min(n, shown);
    for (int i = 0; i < head; ++i) cells << formatValue(values[size_t(i)]);
    if (n > head + 2) cells << "…";
    for (int i = std::max(head, n - 2); i < n; ++i) cells << formatValue(values[size_t(i)]);
    return QString("[ %1 ]").arg(cells.join("  "));
}

}  // namespace

double StagePainter::numbers(const QRectF& rect, const QString& label,
                             const std::vector<float>& values, int shown) {
    return text(rect, label + numbersText(values, shown), font(kSmallPx, false, true),
                foreground());
}

double StagePainter::vectorRow(const QRectF& rect, const QString& label,
                               const std::vector<float>& values, float range,
                               const QColor& labelColour, int shown) {
    const QFont mono = font(kSmallPx, false, true);
    const double height = QFontMetricsF(mono).height();
    const double labelWidth = rect.width() * 0.24, stripWidth = rect.width() * 0.24;
    const QRectF row(rect.left(), rect.top(), rect.width(), height);
    line(QRectF(row.left(), row.top(), labelWidth - px(12), height), label, font(kSmallPx),
         labelColour, Qt::AlignRight | Qt::AlignVCenter);
    line(QRectF(row.left() + labelWidth, row.top(), rect.width() - labelWidth - stripWidth - px(12),
                height),
         numbersText(values, shown), mono, foreground());
    strip(QRectF(row.right() - stripWidth, row.top() + height * 0.1, stripWidth, height * 0.8),
          values, range);
    return height;
}

double StagePainter::bars(const QRectF& rect, const QStringList& labels,
                          const std::vector<float>& values, float axisMax, int highlight,
                          const QStringList& valueTexts) {
    const int n = int(std::min<size_t>(size_t(labels.size()), values.size()));
    if (n == 0) return 0;
    const QFont labelFont = font(kSmallPx, false, true);
    const double row = std::min(rect.height() / n, px(44));
    const double labelWidth = px(220), valueWidth = px(130);
    const double barSpace = rect.width() - labelWidth - valueWidth - px(24);
    for (int i = 0; i < n; ++i) {
        const double y = rect.top() + row * i;
        const QColor colour = i == highlight ? accent() : foreground();
        line(QRectF(rect.left(), y, labelWidth - px(12), row), labels[i], labelFont, colour,
             Qt::AlignRight | Qt::AlignVCenter);
        const double fraction = std::clamp(double(values[size_t(i)]) / double(axisMax), 0.0, 1.0);
        const QRectF bar(rect.left() + labelWidth, y + row * 0.15, barSpace * fraction, row * 0.7);
        painter_.setPen(Qt::NoPen);
        painter_.setBrush(i == highlight ? accent() : series());
        painter_.drawRect(bar);
        const QString value = i < valueTexts.size() ? valueTexts[i] : QString();
        text(QRectF(bar.right() + px(10), y, valueWidth + px(200), row), value, labelFont, colour,
             Qt::AlignLeft | Qt::AlignVCenter);
    }
    // the axis: where 100 % (or the largest value) ends
    painter_.setPen(QPen(muted(), px(1.5), Qt::DashLine));
    const double axisX = rect.left() + labelWidth + barSpace;
    painter_.drawLine(QPointF(axisX, rect.top()), QPointF(axisX, rect.top() + row * n));
    return row * n;
}

// Square cells; with numbers a cell is widened (never past the width) to what a body-size
// number needs, so ten positions still get 24 px numbers at 1280×720.
void StagePainter::matrix(const QRectF& rect, const QStringList& labels,
                          const stage_data::Matrix& m, bool probabilities, bool numbersInCells) {
    constexpr double kNumberWidth = 0.28;  // "−0.96" and some room, per pixel of text size
    if (m.rows == 0) return;
    const QFont labelFont = font(kSmallPx, false, true);
    const double labelWidth = numbersInCells ? std::min(px(190), rect.width() * 0.3) : 0.0;
    const double header = numbersInCells ? px(34) : 0.0;
    const double across = (rect.width() - labelWidth) / m.cols,
                 down = (rect.height() - header) / m.rows;
    const double cellH = std::min(across, down);
    const double cellW =
        numbersInCells ? std::min(across, std::max(cellH, px(kSmallPx / kNumberWidth))) : cellH;
    // the numbers: as large as the body text, smaller only when the cells cannot hold that
    const double valuePx =
        std::min({kSmallPx, cellH / scale_ * 0.6, cellW / scale_ * kNumberWidth});
    float range = 0;
    for (float v : m.values)
        if (std::isfinite(v)) range = std::max(range, std::abs(v));
    const QPointF origin(rect.left() + labelWidth, rect.top() + header);
    for (int r = 0; r < m.rows; ++r) {
        if (numbersInCells && r < labels.size())
            line(QRectF(rect.left(), origin.y() + cellH * r, labelWidth - px(8), cellH), labels[r],
                 labelFont, foreground(), Qt::AlignRight | Qt::AlignVCenter);
        for (int c = 0; c < m.cols; ++c) {
            const float v = m.at(r, c);
            const QRectF box(origin.x() + cellW * c, origin.y() + cellH * r, cellW, cellH);
            const bool masked = c > r;
            painter_.setPen(QPen(background(), px(1)));
            painter_.setBrush(masked          ? background()
                              : probabilities ? diverging(v, 1.0f)
                                              : diverging(v, range));
            painter_.drawRect(box);
            if (!numbersInCells || valuePx < kSmallPx * 0.6) continue;
            const QString value = masked && !probabilities ? "−∞" : masked ? "" : formatValue(v);
            text(box, value, font(valuePx), masked ? muted() : foreground(), Qt::AlignCenter);
        }
    }
    if (!numbersInCells) return;
    const QFont keyFont = font(std::min(kSmallPx, cellW / scale_ * 0.4), false, true);
    for (int c = 0; c < m.cols && c < labels.size(); ++c)  // key labels above the columns
        line(QRectF(origin.x() + cellW * c, rect.top(), cellW, header), labels[c], keyFont, muted(),
             Qt::AlignCenter);
}

void paintStage(QPainter& painter, QSizeF size, const Stage& stage, const StageContext& context,
                int stageNumber, int stageCount, int beat) {
    StagePainter sp(painter, size);
    painter.fillRect(QRectF(QPointF(0, 0), size), sp.background());
    const double m = sp.px(kMargin);
    const double width = size.width() - 2 * m;
    const QString counter = QString("%1 / %2").arg(stageNumber).arg(stageCount);
    sp.text(QRectF(m, m * 0.6, width, sp.px(40)), counter, sp.font(StagePainter::kSmallPx),
            sp.muted(), Qt::AlignRight);
    double y = m * 0.6;
    y += sp.text(QRectF(m, y, width - sp.px(120), sp.px(120)), stage.title(),
                 sp.font(StagePainter::kTitlePx, true), sp.foreground());
    y += sp.px(8);
    y += sp.text(QRectF(m, y, width, sp.px(160)), stage.sentence(context, beat),
                 sp.font(StagePainter::kSentencePx), sp.foreground());
    y += sp.px(24);
    // progress: one dot per stage, the current one filled
    const double dot = sp.px(10), bottom = size.height() - m * 0.5;
    for (int i = 0; i < stageCount; ++i) {
        painter.setPen(QPen(sp.muted(), sp.px(1.5)));
        painter.setBrush(i + 1 == stageNumber ? QBrush(sp.accent()) : QBrush(Qt::NoBrush));
        painter.drawEllipse(QPointF(size.width() / 2 + (i - stageCount / 2.0) * dot * 3, bottom),
                            dot / 2, dot / 2);
    }
    sp.setBody(QRectF(m, y, width, bottom - dot - sp.px(12) - y));
    if (!context.ready()) {
        sp.text(sp.body(), "No model loaded yet: File → Open model…",
                sp.font(StagePainter::kBodyPx), sp.muted());
        return;
    }
    stage.paintBody(sp, context, beat);
}

}  // namespace tscope::ui
