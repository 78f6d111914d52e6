#include "ui/plot_style.h"

#include <qcustomplot.h>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <algorithm>

namespace tscope::ui {

namespace {

// One palette per theme; every colour the app draws with comes from here.
struct Theme {
    QColor window, base, alternateBase, text, muted, button, border, grid;
    QColor series, accent, highlight, highlightedText, error;
    QColor tokens[2], generated[2];
    QColor tooltipBase, tooltipText;
};

const Theme& theme(bool dark) {
    static const Theme light{
        .window = QColor(0xf4, 0xf5, 0xf7),
        .base = QColor(0xff, 0xff, 0xff),
        .alternateBase = QColor(0xf1, 0xf3, 0xf5),
        .text = QColor(0x1f, 0x23, 0x28),
        .muted = QColor(0x6a, 0x73, 0x7d),
        .button = QColor(0xfb, 0xfb, 0xfc),
        .border = QColor(0xd0, 0xd7, 0xde),
        .grid = QColor(0xe8, 0xeb, 0xef),
        .series = QColor(0x4c, 0x6e, 0xf5),
        .accent = QColor(0xf7, 0x67, 0x07),
        .highlight = QColor(0x4c, 0x6e, 0xf5),
        .highlightedText = QColor(0xff, 0xff, 0xff),
        .error = QColor(0xc9, 0x2a, 0x2a),
        .tokens = {QColor(0xdb, 0xe4, 0xff), QColor(0xff, 0xe8, 0xcc)},
        .generated = {QColor(0xc3, 0xfa, 0xe8), QColor(0xd8, 0xf5, 0xa2)},
        .tooltipBase = QColor(0x24, 0x29, 0x2f),
        .tooltipText = QColor(0xf6, 0xf8, 0xfa),
    };
    static const Theme darkTheme{
        .window = QColor(0x17, 0x19, 0x1d),
        .base = QColor(0x1f, 0x22, 0x28),
        .alternateBase = QColor(0x25, 0x29, 0x30),
        .text = QColor(0xe6, 0xe8, 0xeb),
        .muted = QColor(0x9a, 0xa2, 0xad),
        .button = QColor(0x2a, 0x2e, 0x36),
        .border = QColor(0x3a, 0x40, 0x4a),
        .grid = QColor(0x30, 0x35, 0x3d),
        .series = QColor(0x74, 0x8f, 0xfc),
        .accent = QColor(0xff, 0x92, 0x2b),
        .highlight = QColor(0x5c, 0x7c, 0xfa),
        .highlightedText = QColor(0xff, 0xff, 0xff),
        .error = QColor(0xff, 0x6b, 0x6b),
        .tokens = {QColor(0x26, 0x3a, 0x6b), QColor(0x5a, 0x3d, 0x1e)},
        .generated = {QColor(0x1b, 0x4d, 0x3e), QColor(0x3d, 0x52, 0x1c)},
        .tooltipBase = QColor(0x2d, 0x33, 0x3b),
        .tooltipText = QColor(0xe6, 0xe8, 0xeb),
    };
    return dark ? darkTheme : light;
}

const Theme& current() {
    return theme(Presentation::instance().dark());
}

void styleAxis(QCPAxis* axis) {
    const Presentation& p = Presentation::instance();
    const Theme& t = current();
    const QPen line(t.border, 1);
    axis->setBasePen(line);
    axis->setTickPen(line);
    axis->setSubTickPen(line);
    axis->setTickLabelColor(t.muted);
    axis->setLabelColor(t.text);
    axis->setTickLabelFont(p.font(9));
    axis->setLabelFont(p.font(10));
    axis->setSelectedTickLabelFont(p.font(9));
    axis->setSelectedLabelFont(p.font(10));
    axis->grid()->setPen(QPen(t.grid, 1));
    axis->grid()->setSubGridPen(QPen(t.grid, 1, Qt::DotLine));
    axis->grid()->setZeroLinePen(QPen(t.border, 1));
}

// The size a plot is drawn at when it has none yet (never shown, e.g. exported from a test).
QSize exportSize(const QCustomPlot* plot) {
    const QSize size = plot->size();
    return size.width() > 16 && size.height() > 16 ? size : QSize(900, 560);
}

QString exportDirectory() {
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    return pictures.isEmpty() ? QDir::homePath() : pictures;
}

}  // namespace

Presentation& Presentation::instance() {
    static Presentation presentation;
    return presentation;
}

void Presentation::setZoom(double zoom) {
    zoom = std::clamp(zoom, 0.5, 4.0);
    if (qFuzzyCompare(zoom, zoom_)) return;
    zoom_ = zoom;
    apply();
    emit changed();
}

void Presentation::setDark(bool dark) {
    if (dark == dark_) return;
    dark_ = dark;
    apply();
    emit changed();
}

double Presentation::basePointSize() const {
    if (basePointSize_ <= 0) {
        const double size = QGuiApplication::font().pointSizeF();
        const_cast<Presentation*>(this)->basePointSize_ = size > 0 ? size : 10.0;
    }
    return basePointSize_;
}

QFont Presentation::font(double pointSizeAtZoom1) const {
    QFont font = QGuiApplication::font();
    font.setPointSizeF(pointSizeAtZoom1 * zoom_);
    return font;
}

QColor Presentation::background() const {
    return current().base;
}
QColor Presentation::foreground() const {
    return current().text;
}
QColor Presentation::grid() const {
    return current().grid;
}
QColor Presentation::accent() const {
    return current().accent;
}
QColor Presentation::series() const {
    return current().series;
}
QColor Presentation::muted() const {
    return current().muted;
}
QColor Presentation::error() const {
    return current().error;
}
QColor Presentation::tokenColor(int i) const {
    return current().tokens[i & 1];
}
QColor Presentation::generatedTokenColor(int i) const {
    return current().generated[i & 1];
}

QCPColorGradient Presentation::heatGradient() const {
    // sequential blue ramp that starts at the plot background, so "no weight" reads as empty
    QCPColorGradient gradient;
    gradient.clearColorStops();
    if (dark_) {
        gradient.setColorStopAt(0.0, QColor(0x1f, 0x22, 0x28));
        gradient.setColorStopAt(0.35, QColor(0x2b, 0x3f, 0x8c));
        gradient.setColorStopAt(0.7, QColor(0x5c, 0x7c, 0xfa));
        gradient.setColorStopAt(1.0, QColor(0xed, 0xf2, 0xff));
    } else {
        gradient.setColorStopAt(0.0, QColor(0xff, 0xff, 0xff));
        gradient.setColorStopAt(0.3, QColor(0xc5, 0xd3, 0xfc));
        gradient.setColorStopAt(0.7, QColor(0x4c, 0x6e, 0xf5));
        gradient.setColorStopAt(1.0, QColor(0x1c, 0x2a, 0x7a));
    }
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    return gradient;
}

QPalette Presentation::palette() const {
    const Theme& t = current();
    QPalette p;
    p.setColor(QPalette::Window, t.window);
    p.setColor(QPalette::WindowText, t.text);
    p.setColor(QPalette::Base, t.base);
    p.setColor(QPalette::AlternateBase, t.alternateBase);
    p.setColor(QPalette::Text, t.text);
    p.setColor(QPalette::PlaceholderText, t.muted);
    p.setColor(QPalette::Button, t.button);
    p.setColor(QPalette::ButtonText, t.text);
    p.setColor(QPalette::BrightText, t.error);
    p.setColor(QPalette::Highlight, t.highlight);
    p.setColor(QPalette::HighlightedText, t.highlightedText);
    p.setColor(QPalette::ToolTipBase, t.tooltipBase);
    p.setColor(QPalette::ToolTipText, t.tooltipText);
    p.setColor(QPalette::Link, t.series);
    p.setColor(QPalette::Light, dark_ ? t.button.lighter(130) : QColor(Qt::white));
    p.setColor(QPalette::Midlight, dark_ ? t.button.lighter(115) : t.alternateBase);
    p.setColor(QPalette::Mid, t.border);
    p.setColor(QPalette::Dark, t.border.darker(130));
    p.setColor(QPalette::Shadow, QColor(0, 0, 0, dark_ ? 160 : 60));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, t.muted.darker(dark_ ? 140 : 80));
    p.setColor(QPalette::Disabled, QPalette::Highlight, t.border);
    return p;
}

namespace {

// Qt resolves the new application font and palette widget by widget in no particular order, so
// a child handled before its parent copies the parent's old font or palette and keeps it (dark
// grey labels on the dark theme, controls that do not zoom). Resolving again from the top down
// gives every widget without a font or palette of its own its parent's new one.
void reresolve(QWidget* widget) {
    if (!widget->testAttribute(Qt::WA_SetPalette)) widget->setPalette(QPalette());
    if (!widget->testAttribute(Qt::WA_SetFont)) widget->setFont(QFont());
    for (QObject* child : widget->children())
        if (auto* w = qobject_cast<QWidget*>(child)) reresolve(w);
}

}  // namespace

void Presentation::apply() {
    auto* app = qobject_cast<QApplication*>(QCoreApplication::instance());
    if (!app) return;
    QFont font = QApplication::font();
    font.setPointSizeF(basePointSize() * zoom_);
    QApplication::setFont(font);
    QApplication::setPalette(palette());
    for (QWidget* window : QApplication::topLevelWidgets()) reresolve(window);
}

void stylePlot(QCustomPlot* plot) {
    const Presentation& p = Presentation::instance();
    const Theme& t = current();
    plot->setBackground(t.base);
    for (QCPAxisRect* rect : plot->axisRects()) {
        rect->setBackground(Qt::NoBrush);
        for (QCPAxis* axis : rect->axes()) styleAxis(axis);
    }
    for (QCPLayoutElement* element : plot->plotLayout()->elements(true)) {
        if (auto* title = qobject_cast<QCPTextElement*>(element)) {
            title->setTextColor(t.text);
            title->setFont(p.font(11));
        } else if (auto* scale = qobject_cast<QCPColorScale*>(element)) {
            styleAxis(scale->axis());
        }
    }
    if (plot->legend) {
        plot->legend->setFont(p.font(9));
        plot->legend->setTextColor(t.text);
        plot->legend->setBrush(t.base);
        plot->legend->setBorderPen(QPen(t.border));
    }
    plot->setAntialiasedElements(QCP::aeAll);
}

bool savePlot(QCustomPlot* plot, const QString& path, QString* error) {
    const auto fail = [&](const QString& message) {
        if (error) *error = path + ": " + message;
        return false;
    };
    const QString suffix = QFileInfo(path).suffix().toLower();
    const QSize size = exportSize(plot);
    if (suffix == "png") {
        // 2× so a slide or a paper gets a crisp image
        if (!plot->savePng(path, size.width(), size.height(), 2.0))
            return fail("could not write the PNG file");
        return true;
    }
    if (suffix == "svg") {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        generator.setTitle(plot->objectName().isEmpty() ? "TransformerScope plot"
                                                        : plot->objectName());
        generator.setDescription("Exported from TransformerScope");
        QCPPainter painter;
        if (!painter.begin(&generator)) return fail("could not write the SVG file");
        painter.setMode(QCPPainter::pmVectorized);
        plot->toPainter(&painter, size.width(), size.height());
        painter.end();
        if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0)
            return fail("could not write the SVG file");
        return true;
    }
    return fail("unknown image type '" + suffix + "' (use .png or .svg)");
}

bool saveText(const QString& text, const QString& path, QString* error) {
    QSaveFile file(path);
    const QByteArray bytes = text.toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        if (error) *error = path + ": " + file.errorString();
        return false;
    }
    return true;
}

void installExportMenu(QCustomPlot* plot, std::function<QString()> csvOfView) {
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(plot, &QWidget::customContextMenuRequested, plot,
                     [plot, csvOfView](QPoint at) {
                         const QString base =
                             exportDirectory() + "/tscope-" +
                             (plot->objectName().isEmpty() ? QString("plot") : plot->objectName());
                         const auto report = [plot](bool ok, const QString& error) {
                             if (!ok) QMessageBox::warning(plot, "Export failed", error);
                         };
                         QMenu menu(plot);
                         menu.addAction("Export PNG…", plot, [=] {
                             const QString path = QFileDialog::getSaveFileName(
                                 plot, "Export PNG", base + ".png", "PNG image (*.png)");
                             QString error;
                             if (!path.isEmpty()) report(savePlot(plot, path, &error), error);
                         });
                         menu.addAction("Export SVG…", plot, [=] {
                             const QString path = QFileDialog::getSaveFileName(
                                 plot, "Export SVG", base + ".svg", "SVG image (*.svg)");
                             QString error;
                             if (!path.isEmpty()) report(savePlot(plot, path, &error), error);
                         });
                         if (csvOfView) {
                             menu.addAction("Export CSV…", plot, [=] {
                                 const QString path = QFileDialog::getSaveFileName(
                                     plot, "Export CSV", base + ".csv", "CSV table (*.csv)");
                                 QString error;
                                 if (!path.isEmpty())
                                     report(saveText(csvOfView(), path, &error), error);
                             });
                         }
                         menu.exec(plot->mapToGlobal(at));
                     });
}

}  // namespace tscope::ui
