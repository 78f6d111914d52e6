// Saving and opening .tscope session files in the app: collects the state (model and the
// weights' sha256, prompt, seed, sampling, generated tokens, presenter stage, cap and notes,
// selection, zoom, theme) into a tscope::SessionFile, and replays one: the model is checked
// before anything changes (missing, or other weights = a clear message, the app stays as it
// was), then Session::replay runs the prompt and appends the stored tokens exactly as saved
// (sampled, greedy or forced, with their probabilities; the generator advances as it did), so
// the tokens and every number match the file. The JSON is read and validated by
// core/session_file.
#pragma once

#include <QObject>
#include <QString>
#include <functional>

#include "core/session_file.h"

namespace tscope::ui {

class PresenterView;
class Session;

class SessionDocument : public QObject {
    Q_OBJECT
  public:
    SessionDocument(Session* session, PresenterView* presenter, QObject* parent = nullptr);

    // The current state as a session file (the model's sha256 is computed here).
    SessionFile current() const;
    // Returns an error message, or an empty string.
    QString save(const QString& path) const;
    // Starts the replay; returns an error (and changes nothing) when the file or its model is
    // unusable. replaying() is true until the tokens are back; then finished(error) is emitted.
    QString open(const QString& path);
    bool replaying() const { return replaying_; }
    // The model directory a session names: its path if that holds a model, else the catalogue
    // name under the bundled models directory. Empty when neither exists.
    static QString resolveModel(const SessionFile& file);
    static QString weightsSha256(const QString& modelDirectory);  // hex; empty if unreadable
    static QStringList recentSessions();                          // most recent first

  signals:
    void finished(const QString& error);

  private:
    void afterReplay(const SessionFile& file, const QString& path);
    void waitForIdle(std::function<void()> then);  // once every queued job has run
    void applyView(const SessionFile& file);
    static void remember(const QString& path);

    Session* session_;
    PresenterView* presenter_;
    bool replaying_ = false;
    QMetaObject::Connection waiting_;
};

}  // namespace tscope::ui
