// Where presenter mode puts its windows. With two or more screens the audience sees the stages
// full screen on a screen other than the one the main window is on (the projector), and the
// presenter console opens on the main window's screen (the laptop). With one screen there is
// no console: presenter mode alone, in the main window.
#pragma once

#include <QList>

class QScreen;

namespace tscope::ui {

struct ScreenPlan {
    QScreen* audience = nullptr;  // the stages, full screen; null = stay in the main window
    QScreen* console = nullptr;   // the presenter console; null = no second screen
    bool twoScreens() const { return console != nullptr; }
};

// `current` is the screen the main window is on (the first screen when null or not listed).
ScreenPlan planScreens(const QList<QScreen*>& screens, QScreen* current);

}  // namespace tscope::ui
