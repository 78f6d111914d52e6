#include "core/download/model_store.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include "core/download/catalog.h"

namespace tscope::download {

QString defaultModelsDir() {
    const QString overridden = qEnvironmentVariable("TSCOPE_MODELS_DIR");
    if (!overridden.isEmpty()) return QDir(overridden).absolutePath();
    const QString data = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return QDir(data).filePath("tscope/models");
}

QString modelDir(const QString& modelsDir, const QString& name) {
    return QDir(modelsDir.isEmpty() ? defaultModelsDir() : modelsDir).filePath(name);
}

bool isModelDir(const QString& dir) {
    const QDir d(dir);
    return QFileInfo(d.filePath("config.json")).isFile() &&
           QFileInfo(d.filePath(kWeightsFile)).isFile();
}

QList<InstalledModel> listInstalledModels(const QString& modelsDir) {
    const QDir root(modelsDir.isEmpty() ? defaultModelsDir() : modelsDir);
    QList<InstalledModel> models;
    const auto entries = root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo& entry : entries) {
        if (entry.fileName().endsWith(kPartialSuffix)) continue;
        const QString dir = entry.absoluteFilePath();
        if (!isModelDir(dir)) continue;
        models.append({entry.fileName(), dir, QFileInfo(QDir(dir).filePath(kWeightsFile)).size()});
    }
    return models;
}

}  // namespace tscope::download
