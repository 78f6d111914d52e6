#include "ui/key_policy.h"

#include <QAbstractItemView>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QKeyEvent>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTextEdit>

namespace tscope::ui {

namespace {

bool isNavigationKey(int key) {
    switch (key) {
        case Qt::Key_Left:
        case Qt::Key_Right:
        case Qt::Key_Up:
        case Qt::Key_Down:
        case Qt::Key_Home:
        case Qt::Key_End:
        case Qt::Key_PageUp:
        case Qt::Key_PageDown:
            return true;
        default:
            return false;
    }
}

// The spin box a focused widget belongs to (its line edit gets focus in some styles).
const QAbstractSpinBox* spinBoxOf(const QWidget* w) {
    if (auto* box = qobject_cast<const QAbstractSpinBox*>(w)) return box;
    return w ? qobject_cast<const QAbstractSpinBox*>(w->parentWidget()) : nullptr;
}

}  // namespace

bool KeyPolicy::isTextEditor(const QWidget* focus) {
    if (!focus || spinBoxOf(focus)) return false;
    if (auto* edit = qobject_cast<const QLineEdit*>(focus)) return !edit->isReadOnly();
    if (auto* edit = qobject_cast<const QPlainTextEdit*>(focus)) return !edit->isReadOnly();
    if (auto* edit = qobject_cast<const QTextEdit*>(focus)) return !edit->isReadOnly();
    return false;
}

bool KeyPolicy::ownsNavigationKeys(const QWidget* focus) {
    if (!focus) return false;
    return spinBoxOf(focus) || qobject_cast<const QAbstractSlider*>(focus) ||
           qobject_cast<const QAbstractItemView*>(focus) || qobject_cast<const QComboBox*>(focus) ||
           qobject_cast<const QLineEdit*>(focus) || qobject_cast<const QPlainTextEdit*>(focus) ||
           qobject_cast<const QTextEdit*>(focus);
}

// Qt asks the focused widget first (ShortcutOverride): accepting it hands the key to the widget,
// ignoring it (and filtering the event out) lets the window shortcut fire.
bool KeyPolicy::overrideShortcut(QWidget* focus, QKeyEvent* key) {
    const bool bare = (key->modifiers() & ~Qt::KeypadModifier) == Qt::NoModifier;
    if (bare && isNavigationKey(key->key()) && ownsNavigationKeys(focus)) {
        key->accept();
        return true;
    }
    if (bare && key->key() == Qt::Key_Space) {
        if (isTextEditor(focus)) {
            key->accept();  // typing a space
        } else {
            key->ignore();  // spin boxes, sliders, buttons: Space steps
        }
        return true;
    }
    if (key->key() == Qt::Key_Escape && isTextEditor(focus)) {
        key->accept();  // the editor gets the key press, handled below
        return true;
    }
    return false;
}

bool KeyPolicy::eventFilter(QObject* watched, QEvent* event) {
    const auto type = event->type();
    if (type != QEvent::ShortcutOverride && type != QEvent::KeyPress)
        return QObject::eventFilter(watched, event);
    auto* focus = QApplication::focusWidget();
    if (watched != focus) return QObject::eventFilter(watched, event);
    auto* key = static_cast<QKeyEvent*>(event);
    if (type == QEvent::ShortcutOverride) return overrideShortcut(focus, key);
    if (key->key() == Qt::Key_Escape && isTextEditor(focus)) {
        focus->clearFocus();  // leave the box: Space steps again
        if (QWidget* window = focus->window()) window->setFocus(Qt::ShortcutFocusReason);
        return true;
    }
    return QObject::eventFilter(watched, event);
}

}  // namespace tscope::ui
