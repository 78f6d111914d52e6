#include "core/download/catalog.h"

namespace tscope::download {

namespace {

// Sizes of the tokenizer and config files, identical for every GPT-2 checkpoint:
// vocab.json 1,042,301 + merges.txt 456,318 + config.json ~0.7 kB.
constexpr qint64 kTokenizerBytes = 1'042'301 + 456'318 + 1'000;

// model.safetensors sizes as listed on the hub, rounded: approximate on purpose (the hub's
// X-Linked-Size and Content-Length headers give the exact figure at download time).
constexpr qint64 MB = 1'000'000;

}  // namespace

const QStringList& modelFileNames() {
    static const QStringList files = {"config.json", "vocab.json", "merges.txt", kWeightsFile};
    return files;
}

const QList<ModelSpec>& modelCatalog() {
    static const QList<ModelSpec> catalog = {
        {"distilgpt2", "distilbert/distilgpt2", "82M", 353 * MB + kTokenizerBytes},
        {"gpt2", "openai-community/gpt2", "124M", 548 * MB + kTokenizerBytes},
        {"gpt2-medium", "openai-community/gpt2-medium", "355M", 1'520 * MB + kTokenizerBytes},
        {"gpt2-large", "openai-community/gpt2-large", "774M", 3'250 * MB + kTokenizerBytes},
        {"gpt2-xl", "openai-community/gpt2-xl", "1.5B", 6'430 * MB + kTokenizerBytes},
    };
    return catalog;
}

std::optional<ModelSpec> findModel(const QString& nameOrRepo) {
    for (const ModelSpec& spec : modelCatalog()) {
        if (spec.name == nameOrRepo || spec.repo == nameOrRepo) return spec;
    }
    return std::nullopt;
}

QString defaultHubUrl() {
    return QStringLiteral("https://huggingface.co");
}

QUrl hubFileUrl(const QString& hubUrl, const QString& repo, const QString& file) {
    QString base = hubUrl;
    while (base.endsWith('/')) base.chop(1);
    return QUrl(base + '/' + repo + "/resolve/main/" + file);
}

}  // namespace tscope::download
