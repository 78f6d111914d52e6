#include "ui/presenter/presenter_console.h"

#include <QCoreApplication>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/plot_style.h"
#include "ui/presenter/presenter_view.h"

namespace tscope::ui {

namespace {

const QSize kPreviewSize(480, 270);

QLabel* bigLabel(QWidget* parent, double pointSize, bool bold = false) {
    auto* label = new QLabel(parent);
    QFont font = label->font();
    font.setPointSizeF(pointSize);
    font.setBold(bold);
    label->setFont(font);
    label->setWordWrap(true);
    return label;
}

}  // namespace

PresenterConsole::PresenterConsole(PresenterView* presenter, QWidget* parent)
    : QWidget(parent, Qt::Window), presenter_(presenter) {
    setObjectName("presenterConsole");
    setWindowTitle("Presenter — TransformerScope");
    clock_ = bigLabel(this, 28, true);
    current_ = bigLabel(this, 22, true);
    notes_ = new QPlainTextEdit(this);
    notes_->setPlaceholderText("Notes for this stage (saved in the session file)");
    QFont notesFont = notes_->font();
    notesFont.setPointSizeF(18);
    notes_->setFont(notesFont);
    next_ = bigLabel(this, 16);
    preview_ = new QLabel(this);
    preview_->setFixedSize(kPreviewSize);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(clock_);
    layout->addWidget(current_);
    layout->addWidget(notes_, 1);
    layout->addWidget(next_);
    layout->addWidget(preview_);
    connect(notes_, &QPlainTextEdit::textChanged, this, [this] {
        if (notesStage_ >= 0) presenter_->setNotes(notesStage_, notes_->toPlainText());
    });
    connect(presenter_, &PresenterView::positionChanged, this, &PresenterConsole::refresh);
    connect(presenter_, &PresenterView::notesChanged, this, [this](int stage) {
        if (stage == notesStage_ && notes_->toPlainText() != presenter_->notes(stage))
            notesStage_ = -1;  // reloaded by refresh()
        refresh();
    });
    timer_ = new QTimer(this);
    timer_->setInterval(1000);
    connect(timer_, &QTimer::timeout, this, &PresenterConsole::tick);
    refresh();
}

void PresenterConsole::start() {
    elapsed_.start();
    timer_->start();
    tick();
    refresh();
}

QString PresenterConsole::currentText() const {
    return current_->text();
}
QString PresenterConsole::nextText() const {
    return next_->text();
}

void PresenterConsole::tick() {
    const qint64 seconds = elapsed_.isValid() ? elapsed_.elapsed() / 1000 : 0;
    clock_->setText(QString("%1   ·   %2:%3 in")
                        .arg(QTime::currentTime().toString("HH:mm"))
                        .arg(seconds / 60)
                        .arg(seconds % 60, 2, 10, QChar('0')));
}

void PresenterConsole::refresh() {
    const StagePosition at = presenter_->position();
    const Stage& stage = presenter_->stage(at.stage);
    current_->setText(QString("%1 / %2   %3")
                          .arg(at.stage + 1)
                          .arg(presenter_->stageCount())
                          .arg(stage.beatName(at.beat)));
    if (notesStage_ != at.stage) {
        notesStage_ = -1;  // no write-back while loading
        notes_->setPlainText(presenter_->notes(at.stage));
        notesStage_ = at.stage;
    }
    next_->setText("Next: " + presenter_->nextBeatName());
    preview_->setPixmap(QPixmap::fromImage(presenter_->render(kPreviewSize, presenter_->peek())));
}

// Clicker keys go to the presenter unless the notes are being edited.
void PresenterConsole::keyPressEvent(QKeyEvent* event) {
    if (notes_->hasFocus()) return QWidget::keyPressEvent(event);
    QKeyEvent copy(event->type(), event->key(), event->modifiers(), event->text());
    QCoreApplication::sendEvent(presenter_, &copy);
}

}  // namespace tscope::ui
