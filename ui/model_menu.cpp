#include "ui/model_menu.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QSettings>

#include "core/download/blocking_download.h"
#include "core/download/model_store.h"
#include "core/resources.h"
#include "ui/download_dialog.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {
constexpr int kRecentCount = 8;
}

ModelMenu::ModelMenu(Session* session, QMenu* fileMenu, QMenu* modelMenu, QWidget* window)
    : QObject(modelMenu), session_(session), window_(window), catalog_(modelMenu) {
    open_ = new QAction("&Open model…", this);
    open_->setShortcut(QKeySequence::Open);
    open_->setToolTip("Open a GPT-2 model directory (config.json + model.safetensors) (Ctrl+O)");
    connect(open_, &QAction::triggered, this, &ModelMenu::openDialog);
    fileMenu->addAction(open_);
    recent_ = new QMenu("Open &recent", modelMenu);
    connect(session_, &Session::modelChanged, this, &ModelMenu::remember);
    // Installed state and the recent list can change between openings: rebuild on show.
    connect(modelMenu, &QMenu::aboutToShow, this, &ModelMenu::rebuildCatalog);
    rebuildRecent();
    rebuildCatalog();
}

QStringList ModelMenu::recentModels() {
    return QSettings().value("session/recentModels").toStringList();
}

QString ModelMenu::catalogLabel(const download::ModelSpec& spec) const {
    const QString dir = download::modelDir(options_.modelsDir, spec.name);
    const QString size = download::isModelDir(dir)
                             ? QStringLiteral("installed")
                             : download::bytesText(spec.approxBytes) + " download";
    return QStringLiteral("%1 — %2 parameters · %3").arg(spec.name, spec.parameters, size);
}

void ModelMenu::rebuildCatalog() {
    catalog_->clear();
    const auto found = resources::bundledModel("default");
    const QString bundled = found ? QString::fromStdString(found->string()) : QString();
    QAction* defaultModel = catalog_->addAction("&Bundled default model (4 layers, offline)", this,
                                                [this, bundled] { session_->openModel(bundled); });
    defaultModel->setEnabled(found.has_value());
    catalog_->addSeparator();
    catalog_->addSection("GPT-2 from the Hugging Face hub");
    for (const download::ModelSpec& spec : download::modelCatalog())
        catalog_->addAction(catalogLabel(spec), this, [this, spec] { openOrDownload(spec); });
    catalog_->addSeparator();
    catalog_->addAction(open_);
    catalog_->addMenu(recent_);
}

void ModelMenu::openOrDownload(const download::ModelSpec& spec) {
    const QString dir = download::modelDir(options_.modelsDir, spec.name);
    if (download::isModelDir(dir)) {
        session_->openModel(dir);
        return;
    }
    if (dialog_) {  // one download at a time: bring the running one forward
        dialog_->raise();
        dialog_->activateWindow();
        return;
    }
    dialog_ = new DownloadDialog(spec, options_, window_);
    dialog_->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog_, &DownloadDialog::modelReady, session_, &Session::openModel);
    dialog_->show();
    dialog_->start();
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
