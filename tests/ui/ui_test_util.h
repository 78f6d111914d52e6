// Shared bits of the widget tests: the fixture model, golden data from expected.json, and an
// exact comparison of two captures through their tensor names.
#pragma once

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QtTest>
#include <vector>

#include "core/capture.h"
#include "core/model.h"
#include "ui/session.h"

namespace tscope::ui::test {

inline const QString kFixture = TSCOPE_FIXTURES "/tiny-gpt2";
inline const QString kPrompt = "The power clapper";
// Golden sequence C of expected.json, as text (it decodes to exactly these 16 ids).
inline const QString kPromptC = "I love day and day and day, the cat sat on the mat.<|endoftext|>";

// wte [V,C] as stored in the model's F32 file (the fixture's), in place: the token embeddings
// straight from the weights, independent of the engine's wteᵀ copy.
inline Eigen::Map<const RowMatrix> fileWte(const Model& model) {
    const SafetensorsFile& file = *model.weights.file;
    const float* data = file.f32Data(*file.find("wte.weight"));
    if (!data) qFatal("wte.weight is not F32 in place");
    return {data, model.config.vocab_size, model.config.n_embd};
}

struct GoldenSequence {
    std::vector<int> tokens;
    std::vector<float> logitsLast;  // [V]
    std::vector<int> top5;
};

inline GoldenSequence golden(const QString& name) {
    QFile file(TSCOPE_FIXTURES "/tiny-gpt2/expected.json");
    if (!file.open(QIODevice::ReadOnly)) qFatal("cannot read expected.json");
    const QJsonObject sequence =
        QJsonDocument::fromJson(file.readAll()).object()["sequences"].toObject()[name].toObject();
    GoldenSequence g;
    for (const QJsonValue& v : sequence["tokens"].toArray()) g.tokens.push_back(v.toInt());
    for (const QJsonValue& v : sequence["logits_last"].toArray())
        g.logitsLast.push_back(float(v.toDouble()));
    for (const QJsonValue& v : sequence["top5_last"].toObject()["ids"].toArray())
        g.top5.push_back(v.toInt());
    return g;
}

// Loads the fixture and runs a prompt; false (with a test failure) if that did not work.
inline bool openFixture(Session& session, const QString& prompt = kPrompt) {
    session.setPrompt(prompt);
    session.openModel(kFixture);
    const bool ok = session.waitUntilIdle();
    if (!ok) qWarning("%s", qPrintable(session.lastError()));
    return ok && session.snapshot() && session.snapshot()->length() > 0;
}

// Every named tensor of a capture, bit for bit. Returns a description of the first difference.
inline QString differenceBetween(const Capture& a, const Capture& b) {
    if (a.T != b.T) return QString("T %1 vs %2").arg(a.T).arg(b.T);
    if (a.tensorNames() != b.tensorNames()) return "different tensor names";
    for (const std::string& name : a.tensorNames()) {
        const auto x = a.tensor(name), y = b.tensor(name);
        if (!x || !y) return QString::fromStdString(name) + ": missing";
        if (x->shape != y->shape) return QString::fromStdString(name) + ": shape differs";
        if (x->values.size() != y->values.size()) return QString::fromStdString(name) + ": size";
        for (size_t i = 0; i < x->values.size(); ++i) {
            const float u = x->values[i], v = y->values[i];
            const bool same = u == v || (std::isnan(u) && std::isnan(v));
            if (!same)
                return QString("%1[%2]: %3 vs %4")
                    .arg(QString::fromStdString(name))
                    .arg(i)
                    .arg(double(u))
                    .arg(double(v));
        }
    }
    return {};
}

}  // namespace tscope::ui::test
