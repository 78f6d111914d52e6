// The GPT-2 checkpoints the app offers for download, where each lives on the Hugging Face hub
// and how big it is. Pure data: no networking, no file system.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <optional>

namespace tscope::download {

// One downloadable model: the four Hugging Face files of `repo`, installed as <models>/<name>.
struct ModelSpec {
    QString name;            // directory name and menu label, e.g. "gpt2"
    QString repo;            // hub repository, e.g. "openai-community/gpt2"
    QString parameters;      // human-readable parameter count, e.g. "124M"
    qint64 approxBytes = 0;  // approximate download size of all four files (weights dominate)
};

// config.json, vocab.json, merges.txt, model.safetensors — small files first, so a wrong repo
// or a dead network shows up before the big transfer starts.
const QStringList& modelFileNames();
inline const QString kWeightsFile = QStringLiteral("model.safetensors");

// gpt2, distilgpt2, gpt2-medium, gpt2-large, gpt2-xl, smallest download first.
const QList<ModelSpec>& modelCatalog();

// Looks a model up by its name ("gpt2") or its repository ("openai-community/gpt2").
std::optional<ModelSpec> findModel(const QString& nameOrRepo);

// https://huggingface.co; a mirror or a test server can replace it.
QString defaultHubUrl();

// {hub}/{repo}/resolve/main/{file}: the hub redirects LFS files (the weights) to its CDN.
QUrl hubFileUrl(const QString& hubUrl, const QString& repo, const QString& file);

}  // namespace tscope::download
