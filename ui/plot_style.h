// Look of every plot and the app-wide presentation settings (zoom for projectors, light/dark).
// Views call stylePlot() on their plots and connect Presentation::changed to restyle().
#pragma once

#include <QColor>
#include <QFont>
#include <QObject>
#include <QString>
#include <functional>

class QCustomPlot;
class QCPColorGradient;

namespace tscope::ui {

class Presentation : public QObject {
    Q_OBJECT
public:
    static Presentation& instance();
    double zoom() const { return zoom_; }  // 1.0 = normal; text and plot fonts scale with it
    bool dark() const { return dark_; }
    void setZoom(double zoom);
    void setDark(bool dark);
    QFont font(double pointSizeAtZoom1 = 10.0) const;  // scaled font
    QColor background() const;
    QColor foreground() const;
    QColor grid() const;
    QColor accent() const;         // highlight (selected token, sampled bar)
    QColor tokenColor(int i) const;  // alternating chip colours
    QCPColorGradient heatGradient() const;  // sequential, 0 = background-like, 1 = strong

signals:
    void changed();

private:
    double zoom_ = 1.0;
    bool dark_ = false;
};

// Applies fonts, colours and margins from Presentation to a plot (axes, labels, legend).
void stylePlot(QCustomPlot* plot);

// Saves a plot as PNG or SVG (chosen by the extension). Returns false and sets *error on failure.
bool savePlot(QCustomPlot* plot, const QString& path, QString* error = nullptr);
bool saveText(const QString& text, const QString& path, QString* error = nullptr);
// Right-click menu on the plot: Export PNG…, Export SVG…, Export CSV… (csvOfView may be empty).
void installExportMenu(QCustomPlot* plot, std::function<QString()> csvOfView);

}  // namespace tscope::ui
