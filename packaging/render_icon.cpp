// tscope-render-icon SVG SIZE PNG: draws the app icon at SIZE×SIZE pixels for the hicolor theme.
// A build-time tool (not installed), so the PNG sizes always match the one SVG source.
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: tscope-render-icon SVG SIZE PNG\n");
        return 2;
    }
    QSvgRenderer svg(QString::fromLocal8Bit(argv[1]));
    const int size = std::atoi(argv[2]);
    if (!svg.isValid() || size <= 0) {
        std::fprintf(stderr, "tscope-render-icon: cannot read %s or bad size %s\n", argv[1],
                     argv[2]);
        return 1;
    }
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    svg.render(&painter);
    painter.end();
    const QString png = QString::fromLocal8Bit(argv[3]);
    QDir().mkpath(QFileInfo(png).path());
    if (!image.save(png, "PNG")) {
        std::fprintf(stderr, "tscope-render-icon: cannot write %s\n", argv[3]);
        return 1;
    }
    return 0;
}
