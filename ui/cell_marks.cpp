#include "ui/cell_marks.h"

#include <qcustomplot.h>

#include <algorithm>

#include "ui/heatmap.h"
#include "ui/plot_style.h"

namespace tscope::ui {

void CellMarks::set(const std::vector<CellMark>& marks) {
    QCustomPlot* plot = heatmap_->plot();
    for (QCPItemText* item : items_) plot->removeItem(item);
    items_.clear();
    marks_ = marks;
    for (const CellMark& mark : marks_) {
        auto* item = new QCPItemText(plot);
        item->setClipToAxisRect(true);
        item->position->setCoords(mark.col, mark.row);
        item->setPositionAlignment(Qt::AlignCenter);
        item->setText(mark.text);
        item->setSelectable(false);
        items_.push_back(item);
    }
    restyle();
}

void CellMarks::restyle() {
    const Presentation& p = Presentation::instance();
    QCustomPlot* plot = heatmap_->plot();
    // about half a cell high: readable at 12 × 12, still inside the cell at 48 × 25
    const int rows = std::max(1, heatmap_->rows()), cols = std::max(1, heatmap_->cols());
    const double cell = std::min(plot->axisRect()->width() / double(cols),
                                 plot->axisRect()->height() / double(rows));
    QFont font = p.font(9);
    font.setBold(true);
    font.setPixelSize(std::clamp(int(cell * 0.5), 7, 18));
    for (QCPItemText* item : items_) {
        item->setFont(font);
        item->setColor(p.foreground());
        QColor back = p.background();
        back.setAlpha(170);  // legible on any cell colour
        item->setBrush(back);
        item->setPadding(QMargins(2, 0, 2, 0));
    }
    heatmap_->replot();
}

}  // namespace tscope::ui
