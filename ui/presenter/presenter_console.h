// The presenter's own window for a second screen: the clock and the time since presenter mode
// began, the current stage and beat, its speaker notes (editable; they go into the session
// file), the next beat as words and as a small picture. Clicker keys pressed here go to the
// presenter view, so the laptop can keep the focus while the projector shows the stages.
#pragma once

#include <QElapsedTimer>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTimer;

namespace tscope::ui {

class PresenterView;

class PresenterConsole : public QWidget {
    Q_OBJECT
  public:
    explicit PresenterConsole(PresenterView* presenter, QWidget* parent = nullptr);

    void start();  // resets the elapsed time
    QString currentText() const;
    QString nextText() const;
    QPlainTextEdit* notesEditor() const { return notes_; }

  protected:
    void keyPressEvent(QKeyEvent* event) override;

  private:
    void refresh();
    void tick();

    PresenterView* presenter_;
    QLabel* clock_ = nullptr;
    QLabel* current_ = nullptr;
    QLabel* next_ = nullptr;
    QLabel* preview_ = nullptr;
    QPlainTextEdit* notes_ = nullptr;
    QTimer* timer_ = nullptr;
    QElapsedTimer elapsed_;
    int notesStage_ = -1;  // the stage whose notes the editor holds
};

}  // namespace tscope::ui
