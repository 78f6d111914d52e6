// Look of every plot and the app-wide presentation settings (zoom for projectors, light/dark).
// Views call stylePlot() on their plots and connect Presentation::changed to restyle().
#pragma once

#include <QColor>
#include <QFont>
#include <QObject>
#include <QPalette>
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
    QColor accent() const;                    // highlight (selected token, sampled bar)
    QColor tokenColor(int i) const;           // alternating chip colours
    QCPColorGradient heatGradient() const;    // sequential, 0 = background-like, 1 = strong
    QColor series() const;                    // the ordinary bar / line colour
    QColor muted() const;                     // secondary text (ids, hints, tick labels)
    QColor generatedTokenColor(int i) const;  // alternating chip colours of generated tokens
    QColor error() const;                     // error banner / warnings
    QPalette palette() const;                 // the widget palette of the current theme
    double basePointSize() const;             // the platform's font size at zoom 1
    void apply();  // pushes font and palette to the QApplication, if there is one

  signals:
    void changed();

  private:
    double zoom_ = 1.0;
    bool dark_ = false;
    double basePointSize_ = 0;  // captured from the application font on first use
};

// Applies fonts, colours and margins from Presentation to a plot (axes, labels, legend).
void stylePlot(QCustomPlot* plot);

// Saves a plot as PNG or SVG (chosen by the extension). Returns false and sets *error on failure.
bool savePlot(QCustomPlot* plot, const QString& path, QString* error = nullptr);
bool saveText(const QString& text, const QString& path, QString* error = nullptr);
// Right-click menu on the plot: Export PNG…, Export SVG…, Export CSV… (csvOfView may be empty).
void installExportMenu(QCustomPlot* plot, std::function<QString()> csvOfView);

}  // namespace tscope::ui
