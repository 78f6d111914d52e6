#include "ui/research_input.h"

#include <QObject>

#include "core/tokenizer.h"
#include "ui/token_text.h"

namespace tscope::ui {

std::optional<std::vector<int>> promptIds(const Model& model, const QString& text, QString* error) {
    if (!model.tokenizer) {
        *error = QObject::tr("this model has no tokenizer");
        return std::nullopt;
    }
    std::vector<int> ids = model.tokenizer->encodeIds(text.toStdString(), /*allowSpecial=*/true);
    if (ids.empty()) {
        *error = QObject::tr("the prompt is empty");
        return std::nullopt;
    }
    if (int(ids.size()) > model.config.n_positions) {
        *error = QObject::tr("the prompt is %1 tokens; the model reads at most %2")
                     .arg(ids.size())
                     .arg(model.config.n_positions);
        return std::nullopt;
    }
    return ids;
}

std::optional<int> answerToken(const Model& model, const QString& text, QString* error) {
    if (text.startsWith('#')) {
        bool ok = false;
        const int id = text.mid(1).toInt(&ok);
        if (ok && id >= 0 && id < model.config.vocab_size) return id;
        *error =
            QObject::tr("'%1': a token id is #0 to #%2").arg(text).arg(model.config.vocab_size - 1);
        return std::nullopt;
    }
    if (!model.tokenizer) {
        *error = QObject::tr("this model has no tokenizer: give the token as #id");
        return std::nullopt;
    }
    const std::vector<int> ids = model.tokenizer->encodeIds(text.toStdString(), false);
    if (ids.size() == 1) return ids[0];
    *error = QObject::tr(
                 "'%1' is %2 tokens; give exactly one (mind the leading space, e.g. "
                 "' Paris') or #id")
                 .arg(text)
                 .arg(ids.size());
    return std::nullopt;
}

QString describeToken(const Model& model, int id) {
    return QString("'%1' (#%2)").arg(tokenPiece(model.tokenizer.get(), id)).arg(id);
}

}  // namespace tscope::ui
