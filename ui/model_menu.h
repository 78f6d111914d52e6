// The model entries of the File menu: Open model… (a Hugging Face style directory) and the
// recently used models. It only asks the Session to open a directory; the Session reports
// success (modelChanged) or failure (errorOccurred).
#pragma once

#include <QObject>
#include <QStringList>

class QAction;
class QMenu;
class QWidget;

namespace tscope::ui {

class Session;

class ModelMenu : public QObject {
    Q_OBJECT
  public:
    // Adds its entries to `fileMenu`; dialogs open over `window`.
    ModelMenu(Session* session, QMenu* fileMenu, QWidget* window);

    QAction* openAction() const { return open_; }
    static QStringList recentModels();  // most recent first (QSettings)

  public slots:
    void openDialog();

  private:
    void remember();
    void rebuildRecent();

    Session* session_;
    QWidget* window_;
    QAction* open_ = nullptr;
    QMenu* recent_ = nullptr;
};

}  // namespace tscope::ui
