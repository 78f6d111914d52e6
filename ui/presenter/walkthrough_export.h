// Handouts: every beat of every stage, for the current state, as PNG files and one multi-page
// PDF (vector text). The pictures are the presenter's own, painted at 1920×1080.
#pragma once

#include <QSize>
#include <QString>

namespace tscope::ui {

class PresenterView;

// Writes `pdfPath` and, next to it, BASE-S-B.png for stage S, beat B (1-based). Returns an error
// message, or an empty string.
QString exportWalkthroughFiles(const PresenterView& presenter, const QString& pdfPath,
                               QSize pngSize = QSize(1920, 1080));

}  // namespace tscope::ui
