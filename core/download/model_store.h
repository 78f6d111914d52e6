// Where downloaded models live: <XDG data>/tscope/models/<name>, one Hugging Face directory per
// model. A download in progress sits next to it as <name>.partial and is never listed.
#pragma once

#include <QList>
#include <QString>

namespace tscope::download {

// $TSCOPE_MODELS_DIR if set, else $XDG_DATA_HOME/tscope/models (~/.local/share/tscope/models).
// GenericDataLocation rather than AppDataLocation so that tscope and tscope-cli, two binaries
// with different application names, share one store.
QString defaultModelsDir();

// <modelsDir>/<name>; an empty modelsDir means defaultModelsDir().
QString modelDir(const QString& modelsDir, const QString& name);

// The suffix of the directory a download writes into before the final rename.
inline const QString kPartialSuffix = QStringLiteral(".partial");

// True when dir holds config.json and model.safetensors (tokenizer files are optional).
bool isModelDir(const QString& dir);

struct InstalledModel {
    QString name;             // directory name, e.g. "gpt2"
    QString directory;        // absolute path
    qint64 weightsBytes = 0;  // size of model.safetensors
};

// Complete model directories under modelsDir (default store when empty), sorted by name.
QList<InstalledModel> listInstalledModels(const QString& modelsDir = {});

}  // namespace tscope::download
