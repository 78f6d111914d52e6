// Help → About: what this build is (version, CPU code path, Qt, Eigen, compiler, where its data
// lives) and the licences of everything the package ships, so a bug report can quote it.
#pragma once

#include <QDialog>

namespace tscope::ui {

class AboutDialog : public QDialog {
    Q_OBJECT
  public:
    explicit AboutDialog(QWidget* parent = nullptr);
    QString text() const { return html_; }  // the rendered text, for tests

  private:
    QString html_;
};

}  // namespace tscope::ui
