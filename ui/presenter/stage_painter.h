// Drawing helpers for presenter stages, in "design pixels" of a 1280×720 frame scaled to the
// device, so text keeps its size relative to the screen (body ≥ 24 px at 1280×720). Colours
// follow the app's theme. Each helper draws one kind of figure and returns the height it used.
#pragma once

#include <QColor>
#include <QFont>
#include <QPainter>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <vector>

namespace tscope::ui {

namespace stage_data {
struct Matrix;
}

class StagePainter {
  public:
    // Font sizes in design pixels (at 1280×720).
    static constexpr double kTitlePx = 44, kSentencePx = 30, kBodyPx = 26, kSmallPx = 24;

    StagePainter(QPainter& painter, QSizeF deviceSize);

    QPainter& painter() { return painter_; }
    double scale() const { return scale_; }
    QRectF body() const { return body_; }  // the area below the sentence, in device pixels
    void setBody(const QRectF& body) { body_ = body; }
    double px(double designPixels) const { return designPixels * scale_; }

    QFont font(double designPx, bool bold = false, bool mono = false) const;
    QColor foreground() const;
    QColor muted() const;
    QColor accent() const;
    QColor series() const;
    QColor background() const;

    // Text wrapped into `rect`; returns the height used.
    double text(const QRectF& rect, const QString& text, const QFont& font, const QColor& colour,
                int flags = 0);
    // One line, cut with … when it does not fit the width.
    void line(const QRectF& rect, const QString& text, const QFont& font, const QColor& colour,
              int flags = Qt::AlignVCenter);
    // Token chips (piece above, id below), wrapped; `highlight` gets the accent colour,
    // chips from `generatedFrom` on are set apart. Returns the height used.
    double chips(const QRectF& rect, const QStringList& pieces, const std::vector<int>& ids,
                 int highlight = -1, int generatedFrom = 1 << 30);
    // One row of coloured cells, one per value (blue negative, orange positive).
    void strip(const QRectF& rect, const std::vector<float>& values, float range);
    // "label  [ 0.12  −0.03  …  0.44 ]": the first and last few values, monospaced.
    double numbers(const QRectF& rect, const QString& label, const std::vector<float>& values,
                   int shown = 6);
    // One vector on one line: `label` in a left column, the first and last values as numbers,
    // and a strip of every value on the right. Returns the height used.
    double vectorRow(const QRectF& rect, const QString& label, const std::vector<float>& values,
                     float range, const QColor& labelColour, int shown = 3);
    // Horizontal bars with a label on the left and the value text on the right.
    double bars(const QRectF& rect, const QStringList& labels, const std::vector<float>& values,
                float axisMax, int highlight, const QStringList& valueTexts);
    // A [T, T] matrix with token labels, every cell coloured and numbered; −inf cells show the
    // mask. `probabilities` picks the colour scale (0..1) rather than a symmetric one.
    void matrix(const QRectF& rect, const QStringList& labels, const stage_data::Matrix& m,
                bool probabilities, bool numbersInCells = true);

  private:
    QColor diverging(float value, float range) const;

    QPainter& painter_;
    double scale_ = 1;
    QRectF body_;
};

// Paints a whole stage (header, sentence, body, footer) onto a device of the given size.
struct StageContext;
class Stage;
void paintStage(QPainter& painter, QSizeF size, const Stage& stage, const StageContext& context,
                int stageNumber, int stageCount, int beat);

}  // namespace tscope::ui
