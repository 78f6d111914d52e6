#include "ui/presenter/presenter_view.h"

#include <QEasingCurve>
#include <QKeyEvent>
#include <QPainter>
#include <QVariantAnimation>
#include <algorithm>
#include <array>

#include "core/model.h"
#include "ui/plot_style.h"
#include "ui/presenter/stage_painter.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

constexpr int kTransitionMs = 200;
// Temperatures on the T / Shift+T keys: fine steps near 1, where the talk spends its time.
constexpr std::array<double, 10> kTemperatures = {0.0, 0.1,  0.25, 0.5, 0.75,
                                                  1.0, 1.25, 1.5,  2.0, 3.0};

std::vector<StageSpec> specsOf(const std::vector<std::unique_ptr<Stage>>& stages) {
    std::vector<StageSpec> specs;
    for (const auto& stage : stages) specs.push_back(stage->spec());
    return specs;
}

}  // namespace

PresenterView::PresenterView(Session* session, QWidget* parent)
    : QWidget(parent), session_(session), stages_(makeStages()), navigation_(specsOf(stages_)) {
    setObjectName("presenter");
    setFocusPolicy(Qt::StrongFocus);
    setAutoFillBackground(false);
    navigation_.setLoopTargets(kTokensStage, kSoftmaxStage);
    transition_ = new QVariantAnimation(this);
    transition_->setDuration(kTransitionMs);
    transition_->setStartValue(0.0);
    transition_->setEndValue(1.0);
    transition_->setEasingCurve(QEasingCurve::OutCubic);
    connect(transition_, &QVariantAnimation::valueChanged, this, [this](const QVariant& v) {
        fade_ = v.toDouble();
        update();
    });
    connect(transition_, &QVariantAnimation::finished, this, [this] {
        fadingOut_ = {};
        fade_ = 1.0;
        update();
    });
    for (auto signal : {&Session::snapshotChanged, &Session::samplingChanged,
                        &Session::selectionChanged, &Session::modelChanged})
        connect(session_, signal, this, qOverload<>(&QWidget::update));
    connect(session_, &Session::busyChanged, this, qOverload<>(&QWidget::update));
    connect(&Presentation::instance(), &Presentation::changed, this, qOverload<>(&QWidget::update));
}

PresenterView::~PresenterView() = default;

QStringList PresenterView::stageTitles() const {
    QStringList titles;
    for (const auto& stage : stages_) titles << stage->title();
    return titles;
}

StageContext PresenterView::context() const {
    StageContext c;
    c.snapshot = session_->snapshot();
    c.sampling = session_->sampling();
    c.seed = session_->seed();
    c.layer = session_->selectedLayer();
    c.head = session_->selectedHead();
    c.position = session_->selectedPosition();
    c.contextCap = contextCap_;
    c.fixedAxis = fixedAxis_;
    c.quickLoop = navigation_.quickLoop();
    c.busy = session_->busy();
    if (c.ready()) {
        c.distribution = session_->distribution();
        if (c.snapshot->length() >= 2)
            c.previousDistribution = session_->distributionAt(c.snapshot->length() - 2);
    }
    return c;
}

QImage PresenterView::render(QSize size, StagePosition at) const {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    QPainter painter(&image);
    const int index = std::clamp(at.stage, 0, stageCount() - 1);
    paintStage(painter, size, stage(index), context(), index + 1, stageCount(), at.beat);
    return image;
}

void PresenterView::setPosition(StagePosition position) {
    navigation_.setPosition(position);
    update();
    emit positionChanged();
}

void PresenterView::setContextCap(int tokens) {
    contextCap_ = std::max(tokens, 0);
    update();
}

void PresenterView::setFixedAxis(bool fixed) {
    fixedAxis_ = fixed;
    update();
}

void PresenterView::setQuickLoop(bool quick) {
    navigation_.setQuickLoop(quick);
    update();
    emit positionChanged();
}

QString PresenterView::notes(int stage) const {
    if (notes_.contains(stage)) return notes_[stage];
    return stage >= 0 && stage < stageCount() ? this->stage(stage).notes() : QString();
}

void PresenterView::setNotes(int stage, const QString& text) {
    const QString before = notes(stage);
    if (text.isEmpty() || text == this->stage(stage).notes())
        notes_.remove(stage);
    else
        notes_[stage] = text;
    if (notes(stage) != before) emit notesChanged(stage);
}

StagePosition PresenterView::peek() const {
    return navigation_.peekNext(roomForMore());
}

QString PresenterView::nextBeatName() const {
    const StagePosition next = peek();
    if (next == navigation_.position()) return "(the end)";
    return QString("%1. %2").arg(next.stage + 1).arg(stage(next.stage).beatName(next.beat));
}

bool PresenterView::roomForMore() const {
    StageContext c;
    c.snapshot = session_->snapshot();
    c.contextCap = contextCap_;
    return c.ready() && c.snapshot->length() < c.capLength();
}

void PresenterView::next() {
    const QPixmap before = grab();
    perform(navigation_.next(roomForMore()));
    moved(before);
}

void PresenterView::previous() {
    const QPixmap before = grab();
    perform(navigation_.previous());
    moved(before);
}

void PresenterView::sample(bool greedy) {
    if (session_->busy() || !roomForMore()) return;
    const QPixmap before = grab();
    greedy ? session_->greedyStep() : session_->step();
    navigation_.setPosition({kSampleStage, stage(kSampleStage).spec().actionBeat});
    moved(before);
}

void PresenterView::perform(StageAction action) {
    if (session_->busy()) return;  // a clicker's repeat must not pile up work
    if (action == StageAction::Sample) session_->step();
    if (action == StageAction::Undo) session_->back();
}

void PresenterView::moved(const QPixmap& before) {
    fadingOut_ = before;
    fade_ = 0.0;
    transition_->stop();
    transition_->start();
    emit positionChanged();
}

void PresenterView::changeTemperature(int direction) {
    const double t = session_->sampling().temperature;
    auto above = std::upper_bound(kTemperatures.begin(), kTemperatures.end(), t + 1e-6);
    auto below = std::lower_bound(kTemperatures.begin(), kTemperatures.end(), t - 1e-6);
    if (direction > 0 && above != kTemperatures.end()) session_->setTemperature(*above);
    if (direction < 0 && below != kTemperatures.begin()) session_->setTemperature(*(below - 1));
}

bool PresenterView::handlesKey(const QKeyEvent* key) const {
    const int k = key->key();
    if (key->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier))
        return false;  // window shortcuts (Ctrl+S, Ctrl+Q, …) stay available
    if (k >= Qt::Key_1 && k <= Qt::Key_9) return true;
    switch (k) {
        case Qt::Key_PageDown:
        case Qt::Key_PageUp:
        case Qt::Key_Right:
        case Qt::Key_Left:
        case Qt::Key_Down:
        case Qt::Key_Up:
        case Qt::Key_Space:
        case Qt::Key_Home:
        case Qt::Key_End:
        case Qt::Key_B:
        case Qt::Key_Period:  // some clickers blank with "."
        case Qt::Key_T:
        case Qt::Key_Plus:
        case Qt::Key_Equal:
        case Qt::Key_Minus:
        case Qt::Key_S:
        case Qt::Key_G:
        case Qt::Key_A:
        case Qt::Key_Q:
        case Qt::Key_Escape:
        case Qt::Key_Backspace:
            return true;
        default:
            return false;
    }
}

// Presenter keys win over the main window's shortcuts (Space = Step, Esc = Cancel, G, …).
bool PresenterView::event(QEvent* event) {
    if (event->type() == QEvent::ShortcutOverride && handlesKey(static_cast<QKeyEvent*>(event))) {
        event->accept();
        return true;
    }
    return QWidget::event(event);
}

void PresenterView::keyPressEvent(QKeyEvent* event) {
    if (!handlesKey(event)) return QWidget::keyPressEvent(event);
    const int k = event->key();
    const bool shift = event->modifiers() & Qt::ShiftModifier;
    if (k == Qt::Key_B || k == Qt::Key_Period) {
        blanked_ = !blanked_;
        update();
        return;
    }
    if (blanked_) {  // any other key brings the picture back first
        blanked_ = false;
        update();
        if (k != Qt::Key_Escape) return;
    }
    if (k >= Qt::Key_1 && k <= Qt::Key_9) {
        const QPixmap before = grab();
        if (navigation_.jump(k - Qt::Key_1)) moved(before);
        return;
    }
    switch (k) {
        case Qt::Key_PageDown:
        case Qt::Key_Right:
        case Qt::Key_Down:
        case Qt::Key_Space:
            return next();
        case Qt::Key_PageUp:
        case Qt::Key_Left:
        case Qt::Key_Up:
        case Qt::Key_Backspace:
            return previous();
        case Qt::Key_Home:
        case Qt::Key_End: {
            const QPixmap before = grab();
            k == Qt::Key_Home ? navigation_.home() : navigation_.end();
            return moved(before);
        }
        case Qt::Key_T:
            return changeTemperature(shift ? -1 : +1);
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            return changeTemperature(+1);
        case Qt::Key_Minus:
            return changeTemperature(-1);
        case Qt::Key_S:
            return sample(false);
        case Qt::Key_G:
            return sample(true);
        case Qt::Key_A:
            return setFixedAxis(!fixedAxis_);
        case Qt::Key_Q:
            return setQuickLoop(!quickLoop());
        case Qt::Key_Escape:
            emit exitRequested();
            return;
        default:
            return;
    }
}

void PresenterView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    if (blanked_) {
        painter.fillRect(rect(), Qt::black);
        return;
    }
    const StagePosition at = navigation_.position();
    paintStage(painter, size(), stage(at.stage), context(), at.stage + 1, stageCount(), at.beat);
    if (!fadingOut_.isNull() && fade_ < 1.0) {  // the old frame fades out on top
        painter.setOpacity(1.0 - fade_);
        painter.drawPixmap(0, 0, fadingOut_);
    }
}

}  // namespace tscope::ui
