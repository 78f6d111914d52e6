// Short text marks drawn over cells of a Heatmap: "✕" on ablated heads, "R" on heads the
// literature reports. Each mark is a QCPItemText centred in its cell (row, col) and scaled
// with the cell, so it stays inside at 12 × 12 and at 48 × 25 heads.
#pragma once

#include <QColor>
#include <QString>
#include <vector>

class QCPItemText;

namespace tscope::ui {

class Heatmap;

struct CellMark {
    int row = 0, col = 0;
    QString text;
};

class CellMarks {
  public:
    explicit CellMarks(Heatmap* heatmap) : heatmap_(heatmap) {}
    void set(const std::vector<CellMark>& marks);
    const std::vector<CellMark>& marks() const { return marks_; }
    void restyle();  // colours and font size (call after the heatmap's restyle or a resize)

  private:
    Heatmap* heatmap_;
    std::vector<CellMark> marks_;
    std::vector<QCPItemText*> items_;
};

}  // namespace tscope::ui
