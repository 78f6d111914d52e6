// Who gets a key when a window shortcut and the focused control both want it. Installed once on
// the application by the main window:
//  - bare arrows, Home/End and Page Up/Down go to a focused slider, spin box, list, table, combo
//    box or text box (no window shortcut steals them);
//  - Space steps unless a text box is being edited (spin boxes and buttons do not eat it);
//  - Esc in a text box leaves it (focus goes back to the window) instead of cancelling work.
// It decides only; the actions stay where they are.
#pragma once

#include <QObject>

class QKeyEvent;
class QWidget;

namespace tscope::ui {

class KeyPolicy : public QObject {
    Q_OBJECT
  public:
    explicit KeyPolicy(QObject* parent = nullptr) : QObject(parent) {}

    // True when `focus` is a box the user types text into (prompt, notes), not a spin box.
    static bool isTextEditor(const QWidget* focus);
    // True when `focus` uses bare navigation keys itself (slider, spin box, view, combo, text).
    static bool ownsNavigationKeys(const QWidget* focus);

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    bool overrideShortcut(QWidget* focus, QKeyEvent* key);
};

}  // namespace tscope::ui
