// The keyboard-shortcut and mouse cheat sheet (F1). Built from the actions themselves, so the
// list can never disagree with what the keys do.
#pragma once

#include <QDialog>
#include <QList>

class QAction;

namespace tscope::ui {

class HelpDialog : public QDialog {
    Q_OBJECT
  public:
    HelpDialog(const QList<QAction*>& actions, QWidget* parent = nullptr);
    QString text() const { return html_; }  // the rendered list, for tests

  private:
    QString html_;
};

}  // namespace tscope::ui
