#include "ui/generation_bar.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTimer>
#include <limits>

#include "core/tokenizer.h"
#include "ui/plot_style.h"
#include "ui/session.h"
#include "ui/token_text.h"

namespace tscope::ui {

namespace {

QAction* makeAction(QToolBar* bar, const QString& text, const QKeySequence& key,
                    const QString& tip) {
    auto* action = new QAction(text, bar);
    action->setShortcut(key);
    action->setShortcutContext(Qt::WindowShortcut);
    action->setToolTip(QString("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
    return action;
}

QLabel* spaced(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setContentsMargins(10, 0, 4, 0);
    return label;
}

}  // namespace

GenerationBar::GenerationBar(Session* session, QWidget* parent)
    : QToolBar("Generation", parent), session_(session) {
    setObjectName("generationBar");
    setMovable(false);
    setFloatable(false);
    setToolButtonStyle(Qt::ToolButtonTextOnly);

    step_ = makeAction(this, "Step", Qt::Key_Space,
                       "Sample one token with the current settings and append it");
    greedy_ = makeAction(this, "Greedy step", Qt::Key_G, "Append the most likely token");
    generate_ = makeAction(this, "Generate", QKeySequence(Qt::CTRL | Qt::Key_G),
                           "Sample this many tokens, one after another");
    back_ = makeAction(this, "Back", Qt::Key_Backspace, "Undo the last token");
    redo_ = makeAction(this, "Redo", QKeySequence(Qt::SHIFT | Qt::Key_Backspace),
                       "Append again the token that Back removed");
    cancel_ = makeAction(this, "Cancel", Qt::Key_Escape, "Stop the running work");

    steps_ = new QSpinBox(this);
    steps_->setRange(1, 1024);
    steps_->setValue(10);
    steps_->setToolTip("How many tokens Generate appends");
    history_ = new QComboBox(this);
    history_->setMinimumContentsLength(22);
    history_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    history_->setToolTip("Every step of this generation: pick one to go back (or forward) to it");
    seed_ = new QSpinBox(this);
    seed_->setRange(0, std::numeric_limits<int>::max());
    seed_->setValue(int(session_->seed()));
    seed_->setToolTip("Random seed: the same prompt, settings and seed give the same tokens");
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(180);
    progress_->setTextVisible(false);
    progressLabel_ = new QLabel(this);
    progressLabel_->setContentsMargins(8, 0, 6, 0);

    addAction(step_);
    addAction(greedy_);
    addSeparator();
    addAction(generate_);
    addWidget(steps_);
    addSeparator();
    addAction(back_);
    addAction(redo_);
    addWidget(spaced("History", this));
    addWidget(history_);
    addSeparator();
    addWidget(spaced("Seed", this));
    addWidget(seed_);
    auto* spacer = new QWidget(this);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    addWidget(spacer);
    progressLabelAction_ = addWidget(progressLabel_);
    progressAction_ = addWidget(progress_);
    addAction(cancel_);
    progressAction_->setVisible(false);
    progressLabelAction_->setVisible(false);

    // key auto-repeat must not pile up work: triggers while busy are dropped
    connect(step_, &QAction::triggered, this, [this] {
        if (!session_->busy()) session_->step();
    });
    connect(greedy_, &QAction::triggered, this, [this] {
        if (!session_->busy()) session_->greedyStep();
    });
    connect(generate_, &QAction::triggered, this, [this] {
        if (!session_->busy()) session_->generate(steps_->value());
    });
    connect(back_, &QAction::triggered, this, [this] {
        if (!session_->busy()) session_->back();
    });
    connect(redo_, &QAction::triggered, this, [this] {
        auto snapshot = session_->snapshot();
        if (!session_->busy() && snapshot && !snapshot->future.empty())
            session_->goToLength(snapshot->length() + 1);
    });
    connect(cancel_, &QAction::triggered, session_, &Session::cancel);
    connect(history_, &QComboBox::activated, this, [this](int index) {
        auto snapshot = session_->snapshot();
        if (snapshot) session_->goToLength(snapshot->promptTokens + index);
    });
    connect(seed_, &QSpinBox::valueChanged, this,
            [this](int seed) { session_->setSeed(quint64(seed)); });

    showProgress_ = new QTimer(this);
    showProgress_->setSingleShot(true);
    showProgress_->setInterval(250);
    connect(showProgress_, &QTimer::timeout, this, [this] {
        progressAction_->setVisible(true);
        progressLabelAction_->setVisible(true);
    });
    widgetForAction(step_)->setObjectName("stepButton");
    connect(&Presentation::instance(), &Presentation::changed, this, &GenerationBar::restyle);
    restyle();
    connect(session_, &Session::busyChanged, this, &GenerationBar::onBusy);
    connect(session_, &Session::progress, this, &GenerationBar::onProgress);
    connect(session_, &Session::snapshotChanged, this, &GenerationBar::rebuildHistory);
    connect(session_, &Session::samplingChanged, this, [this] {
        const QSignalBlocker block(seed_);
        seed_->setValue(int(session_->seed()));
    });
    rebuildHistory();
}

// Flat buttons with a hover state; Step, the main action, filled with the series colour.
void GenerationBar::restyle() {
    const Presentation& p = Presentation::instance();
    const QPalette palette = p.palette();
    const QString window = palette.color(QPalette::Window).name();
    const QString hover = palette.color(QPalette::AlternateBase).name();
    const QString border = palette.color(QPalette::Mid).name();
    setStyleSheet(QString(R"(
        QToolBar#generationBar { background: %1; border: none; border-bottom: 1px solid %3;
                                 padding: 5px 8px; spacing: 4px; }
        QToolBar#generationBar QToolButton { padding: 4px 11px; border-radius: 6px;
                                             border: 1px solid transparent; color: %4; }
        QToolBar#generationBar QToolButton:hover { background: %2; border-color: %3; }
        QToolBar#generationBar QToolButton:pressed { background: %3; }
        QToolBar#generationBar QToolButton:disabled { color: %5; }
        QToolBar#generationBar QToolButton#stepButton { background: %6; color: white;
                                                        font-weight: bold; }
        QToolBar#generationBar QToolButton#stepButton:hover { background: %7; }
        QToolBar#generationBar QToolButton#stepButton:disabled { background: %3; color: %5; }
    )")
                      .arg(window, hover, border, p.foreground().name(), p.muted().name(),
                           p.series().name(), p.series().darker(115).name()));
}

QList<QAction*> GenerationBar::shortcutActions() const {
    return {step_, greedy_, generate_, back_, redo_, cancel_};
}

// One entry per length: the prompt, each generated token, then the undone ones (greyed).
void GenerationBar::rebuildHistory() {
    const QSignalBlocker block(history_);
    history_->clear();
    auto snapshot = session_->snapshot();
    if (!snapshot || !snapshot->model) {
        updateEnabled();
        return;
    }
    const Tokenizer* tokenizer = snapshot->model->tokenizer.get();
    history_->addItem(QString("Prompt · %1 tokens").arg(snapshot->promptTokens));
    const auto add = [&](const TokenInfo& token, int number, bool undone) {
        QString text = QString("+%1  “%2”").arg(number).arg(tokenPiece(tokenizer, token.id));
        text += token.forced ? "  forced" : QString("  p=%1").arg(double(token.prob), 0, 'g', 2);
        if (undone) text += "  (undone)";
        history_->addItem(text);
        if (undone) {
            auto* model = qobject_cast<QStandardItemModel*>(history_->model());
            if (model)
                model->item(history_->count() - 1)->setForeground(palette().placeholderText());
        }
    };
    int number = 0;
    for (int t = snapshot->promptTokens; t < snapshot->length(); ++t)
        add(snapshot->tokens[size_t(t)], ++number, false);
    const int current = number;
    for (const TokenInfo& token : snapshot->future) add(token, ++number, true);
    history_->setCurrentIndex(current);
    updateEnabled();
}

void GenerationBar::updateEnabled() {
    auto snapshot = session_->snapshot();
    const bool tokens = snapshot && snapshot->length() > 0;
    step_->setEnabled(tokens);
    greedy_->setEnabled(tokens);
    generate_->setEnabled(tokens);
    back_->setEnabled(tokens && snapshot->length() > snapshot->promptTokens);
    redo_->setEnabled(tokens && !snapshot->future.empty());
    history_->setEnabled(tokens && history_->count() > 1);
}

void GenerationBar::onBusy(bool busy) {
    if (busy) {
        progress_->setRange(0, 0);  // indeterminate until the first report
        progressLabel_->setText("Working…");
        showProgress_->start();
    } else {
        showProgress_->stop();
        progressAction_->setVisible(false);
        progressLabelAction_->setVisible(false);
    }
}

void GenerationBar::onProgress(int done, int total, const QString& what) {
    if (!session_->busy()) return;
    progress_->setRange(0, std::max(total, 1));
    progress_->setValue(done);
    progressLabel_->setText(QString("%1 · %2 / %3").arg(what).arg(done).arg(total));
}

}  // namespace tscope::ui
