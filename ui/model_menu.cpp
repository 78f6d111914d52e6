#include "ui/model_menu.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QSettings>

#include "ui/session.h"

namespace tscope::ui {

namespace {
constexpr int kRecentCount = 8;
}

ModelMenu::ModelMenu(Session* session, QMenu* fileMenu, QWidget* window)
    : QObject(fileMenu), session_(session), window_(window) {
    open_ = fileMenu->addAction("&Open model…", this, &ModelMenu::openDialog);
    open_->setShortcut(QKeySequence::Open);
    open_->setToolTip("Open a GPT-2 model directory (config.json + model.safetensors) (Ctrl+O)");
    recent_ = fileMenu->addMenu("Open &recent");
    connect(session_, &Session::modelChanged, this, &ModelMenu::remember);
    rebuildRecent();
}

QStringList ModelMenu::recentModels() {
    return QSettings().value("session/recentModels").toStringList();
}

void ModelMenu::openDialog() {
    QString start = QDir::homePath();
    if (auto model = session_->model()) {
        QDir dir(QString::fromStdString(model->directory.string()));
        dir.cdUp();
        start = dir.absolutePath();
    }
    const QString directory = QFileDialog::getExistingDirectory(
        window_, "Open a GPT-2 model directory (config.json + model.safetensors)", start);
    if (!directory.isEmpty()) session_->openModel(directory);
}

void ModelMenu::remember() {
    auto model = session_->model();
    if (!model) return;
    const QString directory =
        QDir(QString::fromStdString(model->directory.string())).absolutePath();
    QStringList recent = recentModels();
    recent.removeAll(directory);
    recent.prepend(directory);
    while (recent.size() > kRecentCount) recent.removeLast();
    QSettings().setValue("session/recentModels", recent);
    rebuildRecent();
}

void ModelMenu::rebuildRecent() {
    recent_->clear();
    const QStringList recent = recentModels();
    for (const QString& directory : recent)
        recent_->addAction(QDir(directory).dirName() + "   " + directory, this,
                           [this, directory] { session_->openModel(directory); });
    recent_->setEnabled(!recent.isEmpty());
}

}  // namespace tscope::ui
