// What the research panels read from their text boxes: a prompt as token ids, and an answer
// token typed as its text (" Paris", exactly one token) or as "#id". Errors come back as a
// message for the panel to show, never as an exception.
#pragma once

#include <QString>
#include <optional>
#include <vector>

#include "core/model.h"

namespace tscope::ui {

std::optional<std::vector<int>> promptIds(const Model& model, const QString& text, QString* error);
std::optional<int> answerToken(const Model& model, const QString& text, QString* error);
// "' Paris' (#6342)"
QString describeToken(const Model& model, int id);

}  // namespace tscope::ui
