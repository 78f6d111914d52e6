// Presenter mode: the walk through the nine stages, full window, on the live model and the
// current prompt. Keys are those a presentation clicker sends (Page Down / Right / Space next,
// Page Up / Left previous, Home / End, 1–9 jump, B blank) plus T / Shift+T or + / − for the
// temperature, S sample, G greedy, A fixed probability axis, Q quick loop, Esc leave.
// Transitions cross-fade in 200 ms. The view only calls Session slots and paints stages.
#pragma once

#include <QImage>
#include <QMap>
#include <QPixmap>
#include <QWidget>
#include <memory>
#include <vector>

#include "ui/presenter/stage.h"
#include "ui/presenter/stage_navigation.h"

class QVariantAnimation;

namespace tscope::ui {

class Session;

class PresenterView : public QWidget {
    Q_OBJECT
  public:
    explicit PresenterView(Session* session, QWidget* parent = nullptr);
    ~PresenterView() override;

    int stageCount() const { return int(stages_.size()); }
    const Stage& stage(int index) const { return *stages_[size_t(index)]; }
    StagePosition position() const { return navigation_.position(); }
    void setPosition(StagePosition position);  // no action, no transition
    QStringList stageTitles() const;

    StageContext context() const;
    // One stage as a picture of the given size (for --screenshot and the handout export).
    QImage render(QSize size, StagePosition position) const;

    bool blanked() const { return blanked_; }
    int contextCap() const { return contextCap_; }
    void setContextCap(int tokens);  // 0 = the model's context
    bool fixedAxis() const { return fixedAxis_; }
    void setFixedAxis(bool fixed);
    bool quickLoop() const { return navigation_.quickLoop(); }
    void setQuickLoop(bool quick);
    // The presenter's note for a stage (0-based): the session's, else the stage's default.
    QString notes(int stage) const;
    void setNotes(int stage, const QString& text);
    QMap<int, QString> customNotes() const { return notes_; }
    QString nextBeatName() const;
    StagePosition peek() const;  // where next() would go (without its action)

  public slots:
    void next();
    void previous();
    void sample(bool greedy = false);  // S / G: draw now and show the sample stage
    void changeTemperature(int direction);

  signals:
    void positionChanged();
    void notesChanged(int stage);  // a stage's notes were set (by the console or a session)
    void exitRequested();

  protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

  private:
    bool handlesKey(const QKeyEvent* key) const;
    void perform(StageAction action);
    void moved(const QPixmap& before);
    bool roomForMore() const;

    Session* session_;
    std::vector<std::unique_ptr<Stage>> stages_;
    StageNavigation navigation_;
    QMap<int, QString> notes_;
    int contextCap_ = 0;
    bool fixedAxis_ = true;
    bool blanked_ = false;
    QPixmap fadingOut_;  // the previous frame during a transition
    double fade_ = 1.0;  // 0 → 1: how far the new frame has faded in
    QVariantAnimation* transition_ = nullptr;
};

}  // namespace tscope::ui
