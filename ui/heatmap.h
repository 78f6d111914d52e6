// A reusable heatmap: one QCPColorMap with its colour scale (aligned through a QCPMarginGroup),
// text labels on both axes, the exact value on hover and clicks reported as (row, column).
// Row 0 is drawn at the top. NaN cells are "masked" and drawn as a hatched neutral pattern, so
// a masked cell never looks like a zero. Filling is O(rows × cols) once per setValues(); hover,
// highlight and resize never refill. It does not know what the values mean: views supply labels
// and the tooltip text.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "core/tensor.h"

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPColorGradient;
class QCPItemRect;
class QCPRange;
class QMouseEvent;

namespace tscope {
class Tokenizer;
}

namespace tscope::ui {

struct Snapshot;

inline constexpr float kMasked = std::numeric_limits<float>::quiet_NaN();

class Heatmap : public QWidget {
    Q_OBJECT
  public:
    explicit Heatmap(QWidget* parent = nullptr);
    ~Heatmap() override;

    QCustomPlot* plot() const { return plot_; }
    QCPColorMap* colorMap() const { return map_; }
    QCPColorScale* colorScale() const { return scale_; }

    // values [rows, cols], row-major; NaN = masked. The colour range is [lo, hi] of the finite
    // values unless setFixedRange() was called.
    void setValues(const float* values, int rows, int cols);
    void setValues(const Eigen::Ref<const RowMatrix>& values);
    // Like setValues, but cells with col > row are masked (causal attention).
    void setLowerTriangle(const Eigen::Ref<const RowMatrix>& values);
    void clear();

    int rows() const { return rows_; }
    int cols() const { return cols_; }
    float value(int row, int col) const;  // what the map holds (NaN if masked or outside)

    void setRowLabels(const QStringList& labels);
    void setColumnLabels(const QStringList& labels);
    void setAxisTitles(const QString& rows, const QString& cols);
    void setScaleLabel(const QString& label);
    void setFixedRange(double lo, double hi);  // colour range; lo == hi → automatic
    void setSymmetricRange(bool on);           // automatic range as [−m, m] (diverging data)
    void setDiverging(bool on);    // blue – background – red instead of heatGradient
    void setLogarithmic(bool on);  // log colour scale (positive data spanning decades)
    void setShowScale(bool on);
    void setColumnLabelsVisible(bool on);
    void setLeftMargin(int pixels);  // fixed room for row labels (aligns stacked maps); −1 = auto
    // Tooltip text for a cell; empty text hides the tooltip. Default: "row, col: value".
    void setTooltip(std::function<QString(int row, int col)> text);

    // An accent outline around a row, a column or one cell (−1 = none / whole extent).
    void setHighlightedRow(int row);
    void setHighlightedColumn(int col);
    void setHighlightedCell(int row, int col);
    int highlightedRow() const { return highlightRow_; }
    // Modifier keys held at the last cellClicked (Ctrl+click can mean something else).
    Qt::KeyboardModifiers clickModifiers() const { return clickModifiers_; }

    void restyle();  // fonts and colours from Presentation
    void replot();   // queued replot

  signals:
    void cellClicked(int row, int col);
    void cellHovered(int row, int col);  // (−1, −1) when the mouse leaves the cells

  protected:
    void resizeEvent(QResizeEvent* event) override;

  private:
    void setupPlot();
    bool updateTicks();
    void updateRange();
    void updateScaleTicks();
    void updateHighlight();
    bool cellAt(const QPointF& pixel, int* row, int* col) const;
    void onMouseMove(QMouseEvent* event);
    void onMousePress(QMouseEvent* event);

    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QCPItemRect* highlight_ = nullptr;
    std::vector<float> values_;  // [rows, cols] as given, for value() and the range
    int rows_ = 0, cols_ = 0;
    QStringList rowLabels_, colLabels_;
    double fixedLo_ = 0, fixedHi_ = 0;
    bool symmetric_ = false, diverging_ = false, colLabelsVisible_ = true, scaleShown_ = true,
         logarithmic_ = false;
    int highlightRow_ = -1, highlightCol_ = -1;
    int hoverRow_ = -1, hoverCol_ = -1;
    Qt::KeyboardModifiers clickModifiers_;
    int strideX_ = 0, strideY_ = 0;  // label every n-th cell
    QSize laidOutSize_;              // plot size at the last layout
    bool correcting_ = false;        // a replot to fix the strides is queued
    std::function<QString(int, int)> tooltip_;
};

// A [layers][columns] grid (L × H heads, L × T positions): rows numbered, columns labelled
// (numbered when `columns` is empty).
void showLayerGrid(Heatmap* heatmap, const std::vector<std::vector<double>>& grid,
                   QStringList columns = {});

// Diverging gradient for signed data: blue at 0, the background colour at 0.5, red at 1.
QCPColorGradient divergingGradient();

// Token text for axis labels and tables: tokenPiece() (spaces as ·, newlines as ↵; "#id"
// without a tokenizer), elided to maxChars (0 = never).
QString tokenLabel(const Tokenizer* tokenizer, int id, int maxChars = 14);
QStringList tokenLabels(const Snapshot& snapshot, int maxChars = 14);

// One CSV field, quoted when needed (RFC 4180).
QString csvField(const QString& text);

}  // namespace tscope::ui
