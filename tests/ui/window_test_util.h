// Shared set-up of the tests that drive the assembled main window: a throw-away settings store,
// the Fusion style, the default presentation, and a shown, active window of a given size.
#pragma once

#include <QApplication>
#include <QImage>
#include <QSet>
#include <QSettings>
#include <QStandardPaths>
#include <QtTest>
#include <memory>

#include "ui/main_window.h"
#include "ui/plot_style.h"

namespace tscope::ui::test {

inline void prepareApplication() {
    QStandardPaths::setTestModeEnabled(true);  // QSettings go to a throw-away location
    QSettings().clear();
    QApplication::setStyle("Fusion");
    Presentation::instance().apply();
}

// Back to the light theme at 100 %, so a test that switched them leaves no trace for the next.
inline void restoreDefaultLook() {
    Presentation::instance().setDark(false);
    Presentation::instance().setZoom(1.0);
}

// A shown, active main window that neither writes settings nor shrinks to the virtual screen.
inline std::unique_ptr<MainWindow> makeWindow(Session& session, QSize size = QSize(1280, 720)) {
    auto window = std::make_unique<MainWindow>(&session);
    window->setPersistent(false);
    window->setFitsScreen(false);
    window->resize(size);
    window->show();
    window->activateWindow();
    if (!QTest::qWaitForWindowActive(window.get())) qWarning("the window did not become active");
    return window;
}

// Distinct colours on a 3-pixel grid: a blank or one-colour picture has very few.
inline int colourCount(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    return int(colours.size());
}

}  // namespace tscope::ui::test
