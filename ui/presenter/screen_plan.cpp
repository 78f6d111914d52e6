#include "ui/presenter/screen_plan.h"

namespace tscope::ui {

ScreenPlan planScreens(const QList<QScreen*>& screens, QScreen* current) {
    if (screens.size() < 2) return {};
    QScreen* laptop = screens.contains(current) ? current : screens.front();
    for (QScreen* screen : screens)
        if (screen != laptop) return {.audience = screen, .console = laptop};
    return {};
}

}  // namespace tscope::ui
