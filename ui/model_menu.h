// The Model menu: the bundled default model, GPT-2 checkpoints to download from the Hugging
// Face hub (each with its parameter count and download size, or "installed"), Open model… (any
// Hugging Face style directory; also in the File menu) and the recently used models. It only
// asks the Session to open a directory; the Session reports success (modelChanged) or failure
// (errorOccurred) and keeps the prompt across the switch.
#pragma once

#include <QObject>
#include <QPointer>
#include <QStringList>

#include "core/download/downloader.h"
#include "ui/download_dialog.h"

class QAction;
class QMenu;
class QWidget;

namespace tscope::ui {

class Session;

class ModelMenu : public QObject {
    Q_OBJECT
  public:
    // Fills `modelMenu` and adds Open model… to `fileMenu`; dialogs open over `window`.
    ModelMenu(Session* session, QMenu* fileMenu, QMenu* modelMenu, QWidget* window);

    QAction* openAction() const { return open_; }
    static QStringList recentModels();  // most recent first (QSettings)
    // Where downloads come from and go to (tests point these at a local server and a temp dir).
    void setDownloadOptions(const download::DownloadOptions& options) { options_ = options; }
    // The menu entry of a catalog model, e.g. "gpt2 — 124M parameters · 551.5 MB download".
    QString catalogLabel(const download::ModelSpec& spec) const;
    DownloadDialog* downloadDialog() const { return dialog_; }

  public slots:
    void openDialog();
    // Opens spec if it is installed, else downloads it (with a progress dialog) and then opens it.
    void openOrDownload(const download::ModelSpec& spec);

  private:
    void remember();
    void rebuildRecent();
    void rebuildCatalog();

    Session* session_;
    QWidget* window_;
    QMenu* catalog_ = nullptr;
    QAction* open_ = nullptr;
    QMenu* recent_ = nullptr;
    download::DownloadOptions options_;
    QPointer<DownloadDialog> dialog_;
};

}  // namespace tscope::ui
