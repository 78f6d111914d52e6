#include "ui/presenter/session_document.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>

#include "core/error.h"
#include "core/model.h"
#include "core/resources.h"
#include "ui/plot_style.h"
#include "ui/presenter/presenter_view.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kRecentSessions = 8;

bool isModelDir(const QString& dir) {
    return !dir.isEmpty() && QFileInfo::exists(dir + "/config.json");
}

QString bundledModelsDir() {  // <data dir>/models, wherever the app is installed
    return QDir::cleanPath(QString::fromStdString((resources::dataDir() / "models").string()));
}

// What the Session needs to reproduce the file's sequence.
Replay replayOf(const SessionFile& file, const QString& modelDirectory) {
    Replay replay{.modelDirectory = modelDirectory,
                  .prompt = QString::fromStdString(file.prompt),
                  .seed = file.seed,
                  .sampling = {file.temperature, file.topK, file.topP},
                  .generated = {}};
    for (const SessionToken& token : file.generated)
        replay.generated.push_back(
            {.id = token.id, .prob = token.prob, .forced = token.forced, .greedy = token.greedy});
    return replay;
}

}  // namespace

SessionDocument::SessionDocument(Session* session, PresenterView* presenter, QObject* parent)
    : QObject(parent), session_(session), presenter_(presenter) {}

QString SessionDocument::weightsSha256(const QString& modelDirectory) {
    QFile file(modelDirectory + "/model.safetensors");
    if (!file.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file)) return {};
    return QString::fromLatin1(hash.result().toHex());
}

QString SessionDocument::resolveModel(const SessionFile& file) {
    const QString path = QString::fromStdString(file.modelPath);
    if (isModelDir(path)) return QDir::cleanPath(path);
    const QString name = QString::fromStdString(file.modelName);
    const QString bundled = bundledModelsDir() + "/" + name;
    if (!name.isEmpty() && !name.contains('/') && isModelDir(bundled)) return bundled;
    return {};
}

SessionFile SessionDocument::current() const {
    SessionFile f;
    if (auto model = session_->model()) {
        const QString dir = QDir::cleanPath(QString::fromStdString(model->directory.string()));
        f.modelPath = dir.toStdString();
        if (QFileInfo(dir).absolutePath() == bundledModelsDir())
            f.modelName = QFileInfo(dir).fileName().toStdString();
        f.weightsSha256 = weightsSha256(dir).toStdString();
    }
    f.prompt = session_->prompt().toStdString();
    f.seed = session_->seed();
    const SamplingSettings s = session_->sampling();
    f.temperature = s.temperature;
    f.topK = s.topK;
    f.topP = s.topP;
    if (auto snapshot = session_->snapshot())
        for (int t = snapshot->promptTokens; t < snapshot->length(); ++t) {
            const TokenInfo& token = snapshot->tokens[size_t(t)];
            f.generated.push_back({token.id, token.forced, token.prob, token.greedy});
        }
    f.contextCap = presenter_->contextCap();
    f.stage = presenter_->position().stage + 1;
    f.layer = session_->selectedLayer();
    f.head = session_->selectedHead();
    f.position = session_->selectedPosition();
    f.zoom = Presentation::instance().zoom();
    f.dark = Presentation::instance().dark();
    const QMap<int, QString> notes = presenter_->customNotes();
    for (auto it = notes.begin(); it != notes.end(); ++it)
        f.notes[it.key() + 1] = it.value().toStdString();
    return f;
}

QString SessionDocument::save(const QString& path) const {
    try {
        writeSessionFile(current(), path.toStdString());
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    remember(path);
    return {};
}

QString SessionDocument::open(const QString& path) {
    if (replaying_) return "a session is still being opened";
    SessionFile file;
    try {
        file = readSessionFile(path.toStdString());
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    const QString model = resolveModel(file);
    if (model.isEmpty())
        return QString("%1: the model “%2” is not installed")
            .arg(path,
                 QString::fromStdString(file.modelName.empty() ? file.modelPath : file.modelName));
    if (!file.weightsSha256.empty() &&
        weightsSha256(model) != QString::fromStdString(file.weightsSha256))
        return QString(
                   "%1: the session was made with other weights than those in %2 "
                   "(sha256 differs)")
            .arg(path, model);
    auto loaded = session_->model();
    const bool sameModel =
        loaded && QDir::cleanPath(QString::fromStdString(loaded->directory.string())) == model;
    session_->cancel();
    session_->replay(replayOf(file, sameModel ? QString() : model));
    replaying_ = true;
    waitForIdle([this, file, path] { afterReplay(file, path); });
    return {};
}

// Once the replay job has run: the view settings follow only a replay that worked, so a file
// that fails there (token ids outside the model's vocabulary, too long) changes nothing either.
void SessionDocument::afterReplay(const SessionFile& file, const QString& path) {
    replaying_ = false;
    auto snapshot = session_->snapshot();
    std::vector<int> expected;
    for (const SessionToken& token : file.generated) expected.push_back(token.id);
    const int prompt = snapshot ? snapshot->promptTokens : 0;
    const std::vector<int> ids = snapshot ? snapshot->ids() : std::vector<int>{};
    const bool complete = snapshot && session_->prompt() == QString::fromStdString(file.prompt) &&
                          std::vector<int>(ids.begin() + prompt, ids.end()) == expected;
    if (!complete)
        return emit finished(
            QString("%1: the session could not be replayed: %2").arg(path, session_->lastError()));
    remember(path);
    session_->selectLayer(file.layer);
    session_->selectHead(file.head);
    session_->selectPosition(file.position);
    applyView(file);
    emit finished({});
}

void SessionDocument::waitForIdle(std::function<void()> then) {
    waiting_ = connect(session_, &Session::busyChanged, this, [this, then](bool busy) {
        if (busy) return;
        disconnect(waiting_);
        then();
    });
}

void SessionDocument::applyView(const SessionFile& file) {
    Presentation::instance().setZoom(file.zoom);
    Presentation::instance().setDark(file.dark);
    presenter_->setContextCap(file.contextCap);
    for (int stage = 0; stage < presenter_->stageCount(); ++stage) presenter_->setNotes(stage, {});
    for (const auto& [stage, text] : file.notes)
        if (stage - 1 < presenter_->stageCount())
            presenter_->setNotes(stage - 1, QString::fromStdString(text));
    presenter_->setPosition({std::min(file.stage, presenter_->stageCount()) - 1, 0});
}

QStringList SessionDocument::recentSessions() {
    return QSettings().value("sessions/recent").toStringList();
}

void SessionDocument::remember(const QString& path) {
    QStringList recent = recentSessions();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kRecentSessions) recent.removeLast();
    QSettings().setValue("sessions/recent", recent);
}

}  // namespace tscope::ui
