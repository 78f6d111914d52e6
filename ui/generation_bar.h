// The toolbar that drives generation one token at a time: Step, Greedy step, Generate N, Back,
// Redo, the history (jump to any earlier or undone step), Cancel, the seed, and a progress bar for
// long work (prefill, Generate N). It only calls Session slots and mirrors the Session's state.
#pragma once

#include <QToolBar>

class QAction;
class QComboBox;
class QLabel;
class QProgressBar;
class QSpinBox;
class QTimer;

namespace tscope::ui {

class Session;

class GenerationBar : public QToolBar {
    Q_OBJECT
  public:
    explicit GenerationBar(Session* session, QWidget* parent = nullptr);

    QAction* stepAction() const { return step_; }
    QAction* greedyAction() const { return greedy_; }
    QAction* generateAction() const { return generate_; }
    QAction* backAction() const { return back_; }
    QAction* redoAction() const { return redo_; }
    QAction* cancelAction() const { return cancel_; }
    QList<QAction*> shortcutActions() const;  // for menus and the help dialog

    QComboBox* history() const { return history_; }
    QSpinBox* stepsBox() const { return steps_; }
    QSpinBox* seedBox() const { return seed_; }
    QProgressBar* progressBar() const { return progress_; }

  private:
    void restyle();
    void rebuildHistory();
    void onBusy(bool busy);
    void onProgress(int done, int total, const QString& what);
    void updateEnabled();

    Session* session_;
    QAction *step_, *greedy_, *generate_, *back_, *redo_, *cancel_;
    QSpinBox* steps_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QComboBox* history_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* progressLabel_ = nullptr;
    QAction* progressAction_ = nullptr;
    QAction* progressLabelAction_ = nullptr;
    QTimer* showProgress_ = nullptr;  // progress appears only for work that takes a moment
};

}  // namespace tscope::ui
