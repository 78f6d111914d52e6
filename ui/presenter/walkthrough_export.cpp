#include "ui/presenter/walkthrough_export.h"

#include <QFileInfo>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>

#include "ui/presenter/presenter_view.h"
#include "ui/presenter/stage_painter.h"

namespace tscope::ui {

QString exportWalkthroughFiles(const PresenterView& presenter, const QString& pdfPath,
                               QSize pngSize) {
    const QFileInfo info(pdfPath);
    const QString base = info.absolutePath() + "/" + info.completeBaseName();
    QPdfWriter pdf(pdfPath);
    pdf.setResolution(96);
    pdf.setPageSize(QPageSize(QSizeF(960, 540), QPageSize::Point, "16:9"));  // 1280×720 px
    pdf.setPageMargins({0, 0, 0, 0});
    pdf.setTitle("TransformerScope walkthrough");
    QPainter page;
    if (!page.begin(&pdf)) return pdfPath + ": could not write the PDF file";
    const StageContext context = presenter.context();
    bool first = true;
    for (int s = 0; s < presenter.stageCount(); ++s) {
        const Stage& stage = presenter.stage(s);
        for (int beat = 0; beat < stage.spec().beats; ++beat) {
            if (!first) pdf.newPage();
            first = false;
            paintStage(page, QSizeF(pdf.width(), pdf.height()), stage, context, s + 1,
                       presenter.stageCount(), beat);
            const QString png = QString("%1-%2-%3.png").arg(base).arg(s + 1).arg(beat + 1);
            if (!presenter.render(pngSize, {s, beat}).save(png, "PNG"))
                return png + ": could not write the PNG file";
        }
    }
    page.end();
    return {};
}

}  // namespace tscope::ui
