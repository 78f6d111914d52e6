#include "ui/main_window.h"

#include <qcustomplot.h>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/resources.h"
#include "ui/ablation_view.h"
#include "ui/about_dialog.h"
#include "ui/attention_view.h"
#include "ui/compare_view.h"
#include "ui/embeddings_view.h"
#include "ui/generation_bar.h"
#include "ui/head_atlas_view.h"
#include "ui/help_dialog.h"
#include "ui/key_policy.h"
#include "ui/layers_view.h"
#include "ui/model_menu.h"
#include "ui/output_view.h"
#include "ui/patching_view.h"
#include "ui/plot_style.h"
#include "ui/presenter/presenter_console.h"
#include "ui/presenter/presenter_view.h"
#include "ui/presenter/screen_plan.h"
#include "ui/presenter/session_document.h"
#include "ui/presenter/walkthrough_export.h"
#include "ui/session.h"
#include "ui/tokens_view.h"

namespace tscope::ui {

namespace {

constexpr double kZoomStep = 1.15;
const QStringList kViewOrder = {"tokens", "embeddings", "attention", "layers", "output",
                                "heads",  "ablation",   "patching",  "compare"};
const QSize kPreferredSize(1440, 900);
// The talk's demo, shipped with the app (resources/sessions, installed under share/tscope).
QString exampleSession() {
    const auto path = resources::find("sessions/the-power-clapper.tscope");
    return path ? QString::fromStdString(path->string()) : QString();
}
// Temperatures on the T / Shift+T keys of the normal window (the presenter has its own ladder).
constexpr double kTemperatureStep = 0.25;

// A view in a tab scrolls when the window is smaller than what it would like: a projector's
// 1280×720 at 150 % never pushes the window past the screen.
QScrollArea* scrollable(View* view, QWidget* parent) {
    auto* area = new QScrollArea(parent);
    area->setWidget(view);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setFocusPolicy(Qt::NoFocus);
    return area;
}

QString formatCount(int64_t n) {
    if (n >= 1'000'000'000) return QString::number(double(n) / 1e9, 'f', 2) + " B";
    if (n >= 1'000'000) return QString::number(double(n) / 1e6, 'f', 1) + " M";
    if (n >= 1'000) return QString::number(double(n) / 1e3, 'f', 1) + " k";
    return QString::number(n);
}

}  // namespace

MainWindow::MainWindow(Session* session, QWidget* parent) : QMainWindow(parent), session_(session) {
    setObjectName("mainWindow");
    setAcceptDrops(true);
    qApp->installEventFilter(new KeyPolicy(this));
    generationBar_ = new GenerationBar(session_, this);
    addToolBar(Qt::TopToolBarArea, generationBar_);
    createViews();
    createMenus();
    createStatusBar();

    connect(session_, &Session::modelChanged, this, &MainWindow::updateTitle);
    connect(session_, &Session::snapshotChanged, this, [this] {
        banner_->hide();
        updateStatus();
    });
    connect(session_, &Session::selectionChanged, this, &MainWindow::updateStatus);
    connect(session_, &Session::errorOccurred, this, &MainWindow::showError);
    connect(&Presentation::instance(), &Presentation::changed, this, [this] {
        darkAction_->setChecked(Presentation::instance().dark());
        restyle();
        updateStatus();
        fitToScreen();
    });
    restyle();
    resize(kPreferredSize);
    fitToScreen();
    updateTitle();
    updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::createViews() {
    tokens_ = new TokensView(session_, this);
    output_ = new OutputView(session_, this);
    tabs_ = new QTabWidget(this);
    tabs_->setDocumentMode(true);
    auto* atlas = new HeadAtlasView(session_, tabs_);
    connect(atlas, &HeadAtlasView::openHeadRequested, this, [this] { showView("attention"); });
    // the walk's five stages, then the research tools
    const std::initializer_list<View*> tabbed = {tokens_,
                                                 new EmbeddingsView(session_, tabs_),
                                                 new AttentionView(session_, tabs_),
                                                 new LayersView(session_, tabs_),
                                                 output_,
                                                 atlas,
                                                 new AblationView(session_, tabs_),
                                                 new PatchingView(session_, tabs_),
                                                 new CompareView(session_, tabs_)};
    for (View* view : tabbed) {
        views_[view->viewName()] = view;
        tabs_->addTab(scrollable(view, tabs_), view->title());
    }
    tabs_->setCurrentIndex(0);  // the first stage of the walk

    normal_ = new QWidget(this);
    auto* layout = new QVBoxLayout(normal_);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    createBanner(normal_);
    layout->addWidget(banner_);
    layout->addWidget(tabs_, 1);
    presenter_ = new PresenterView(session_, this);
    connect(presenter_, &PresenterView::exitRequested, this, &MainWindow::leavePresenter);
    console_ = new PresenterConsole(presenter_, this);
    document_ = new SessionDocument(session_, presenter_, this);
    connect(document_, &SessionDocument::finished, this, [this](const QString& error) {
        if (!error.isEmpty()) showError(error);
    });
    stack_ = new QStackedWidget(this);
    stack_->addWidget(normal_);
    stack_->addWidget(presenter_);
    setCentralWidget(stack_);
}

// A dismissable strip above the views: errors are visible without a modal dialog in the way.
void MainWindow::createBanner(QWidget* central) {
    banner_ = new QWidget(central);
    banner_->setObjectName("errorBanner");
    banner_->setAutoFillBackground(true);
    bannerText_ = new QLabel(banner_);
    bannerText_->setWordWrap(true);
    bannerText_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(banner_);
    close->setText("✕");
    close->setAutoRaise(true);
    close->setToolTip("Dismiss");
    connect(close, &QToolButton::clicked, banner_, &QWidget::hide);
    auto* layout = new QHBoxLayout(banner_);
    layout->setContentsMargins(14, 6, 8, 6);
    layout->addWidget(bannerText_, 1);
    layout->addWidget(close);
    banner_->hide();
}

QAction* MainWindow::addShortcut(QMenu* menu, const QString& text, const QList<QKeySequence>& keys,
                                 std::function<void()> slot) {
    auto* action = new QAction(text, this);
    action->setShortcuts(keys);
    action->setShortcutContext(Qt::WindowShortcut);
    connect(action, &QAction::triggered, this, slot);
    menu->addAction(action);
    addAction(action);  // shortcuts work even with the menu bar hidden
    shortcuts_.append(action);
    return action;
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu("&File");
    QMenu* models = menuBar()->addMenu("&Model");
    modelMenu_ = new ModelMenu(session_, file, models, this);
    shortcuts_.append(modelMenu_->openAction());
    createSessionMenu(file);
    file->addSeparator();
    addShortcut(file, "Export current view as &CSV…", {QKeySequence(Qt::CTRL | Qt::Key_E)},
                [this] { exportCsv(currentView()); });
    addShortcut(file, "Export &tokens as CSV…", {}, [this] { exportCsv(tokens_); });
    addShortcut(file, "Export current &chart as PNG or SVG…",
                {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E)}, [this] { exportCurrentPlot(); });
    file->addSeparator();
    addShortcut(file, "&Quit", {QKeySequence::Quit}, [this] { close(); });

    QMenu* generate = menuBar()->addMenu("&Generate");
    addShortcut(generate, "&Run prompt",
                {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)},
                [this] { tokens_->runPrompt(); });
    addShortcut(generate, "Raise the &temperature", {QKeySequence(Qt::Key_T)},
                [this] { changeTemperature(+1); });
    addShortcut(generate, "Lower the temperature", {QKeySequence(Qt::SHIFT | Qt::Key_T)},
                [this] { changeTemperature(-1); });
    generate->addSeparator();
    for (QAction* action : generationBar_->shortcutActions()) {
        generate->addAction(action);
        shortcuts_.append(action);
    }

    QMenu* view = menuBar()->addMenu("&View");
    for (int i = 0; i < kViewOrder.size(); ++i) {
        const QString name = kViewOrder[i];
        addShortcut(view, views_[name]->title(),
                    {QKeySequence(QKeyCombination(Qt::ControlModifier, Qt::Key(Qt::Key_1 + i)))},
                    [this, name] { showView(name); });
    }
    view->addSeparator();
    addShortcut(view, "Next layer", {QKeySequence(Qt::Key_Down)},
                [this] { session_->selectLayer(session_->selectedLayer() + 1); });
    addShortcut(view, "Previous layer", {QKeySequence(Qt::Key_Up)},
                [this] { session_->selectLayer(session_->selectedLayer() - 1); });
    addShortcut(view, "Next head", {QKeySequence(Qt::Key_Right)},
                [this] { session_->selectHead(session_->selectedHead() + 1); });
    addShortcut(view, "Previous head", {QKeySequence(Qt::Key_Left)},
                [this] { session_->selectHead(session_->selectedHead() - 1); });
    addShortcut(view, "Next token", {QKeySequence(Qt::ALT | Qt::Key_Right)},
                [this] { session_->selectPosition(session_->selectedPosition() + 1); });
    addShortcut(view, "Previous token", {QKeySequence(Qt::ALT | Qt::Key_Left)},
                [this] { session_->selectPosition(session_->selectedPosition() - 1); });
    view->addSeparator();
    addShortcut(view, "Zoom &in", {QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn},
                [this] { zoomIn(); });
    addShortcut(view, "Zoom &out", {QKeySequence(Qt::CTRL | Qt::Key_Minus)}, [this] { zoomOut(); });
    addShortcut(view, "&Reset zoom", {QKeySequence(Qt::CTRL | Qt::Key_0)}, [this] { resetZoom(); });
    darkAction_ =
        addShortcut(view, "&Dark theme", {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D)},
                    [this] { Presentation::instance().setDark(darkAction_->isChecked()); });
    darkAction_->setCheckable(true);
    addShortcut(view, "&Full screen", {QKeySequence(Qt::Key_F11)},
                [this] { isFullScreen() ? showNormal() : showFullScreen(); });
    view->addSeparator();
    addShortcut(view, "&Presenter mode", {QKeySequence(Qt::Key_F5)},
                [this] { presenting() ? leavePresenter() : enterPresenter(); });
    view->addAction("Presenter context &cap…", this, [this] { askContextCap(); });

    QMenu* help = menuBar()->addMenu("&Help");
    addShortcut(help, "&Keyboard shortcuts", {QKeySequence(Qt::Key_F1)}, [this] { showHelp(); });
    QMenu* examples = help->addMenu("&Example sessions");
    examples->addAction("The power clapper (the talk's demo)", this,
                        [this] { openSession(exampleSession()); });
    help->addAction("&About TransformerScope", this, [this] { AboutDialog(this).exec(); });
}

void MainWindow::createStatusBar() {
    const auto label = [this] {
        auto* l = new QLabel(this);
        l->setContentsMargins(10, 0, 10, 0);
        return l;
    };
    modelLabel_ = label();
    tokenizerLabel_ = label();
    lengthLabel_ = label();
    selectionLabel_ = label();
    zoomLabel_ = label();
    statusBar()->addWidget(modelLabel_);
    statusBar()->addPermanentWidget(tokenizerLabel_);
    statusBar()->addPermanentWidget(lengthLabel_);
    statusBar()->addPermanentWidget(selectionLabel_);
    statusBar()->addPermanentWidget(zoomLabel_);
}

// Flat tabs with an underline on the current one.
void MainWindow::restyle() {
    const Presentation& p = Presentation::instance();
    const QPalette palette = p.palette();
    tabs_->tabBar()->setStyleSheet(QString(R"(
        QTabBar::tab { background: transparent; color: %1; padding: 7px 20px; border: none;
                       border-bottom: 2px solid transparent; margin: 0 2px; font-size: %5pt; }
        QTabBar::tab:selected { color: %2; border-bottom: 2px solid %3; }
        QTabBar::tab:hover:!selected { color: %2; border-bottom: 2px solid %4; }
    )")
                                       .arg(p.muted().name(), p.foreground().name(),
                                            p.series().name(), palette.color(QPalette::Mid).name(),
                                            // a styled widget misses the app's zoom: size it here
                                            QString::number(QApplication::font().pointSizeF())));
    if (!banner_->isHidden()) showError(bannerText_->text());
}

QStringList MainWindow::viewNames() const {
    return kViewOrder;
}

View* MainWindow::view(const QString& name) const {
    return views_.value(name, nullptr);
}

View* MainWindow::currentView() const {
    auto* area = qobject_cast<QScrollArea*>(tabs_->currentWidget());
    return area ? qobject_cast<View*>(area->widget()) : nullptr;
}

QList<QAction*> MainWindow::shortcutActions() const {
    return shortcuts_;
}

QString MainWindow::errorText() const {
    return banner_->isHidden() ? QString() : bannerText_->text();
}

bool MainWindow::showView(const QString& name) {
    View* view = views_.value(name, nullptr);
    if (!view) return false;
    if (presenting()) leavePresenter();
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* area = qobject_cast<QScrollArea*>(tabs_->widget(i)); area->widget() == view)
            tabs_->setCurrentIndex(i);
    view->setFocus();  // not the prompt editor: Space steps until the user clicks into it
    return true;
}

void MainWindow::showHelp() {
    HelpDialog dialog(shortcuts_, this);
    dialog.exec();
}

void MainWindow::showError(const QString& message) {
    const Presentation& p = Presentation::instance();
    QPalette palette = banner_->palette();
    QColor background = p.error();
    background.setAlpha(40);
    palette.setColor(QPalette::Window, background);
    palette.setColor(QPalette::WindowText, p.foreground());
    banner_->setPalette(palette);
    bannerText_->setText(message);
    banner_->show();
    statusBar()->showMessage(message, 10000);
}

void MainWindow::zoomIn() {
    Presentation::instance().setZoom(Presentation::instance().zoom() * kZoomStep);
}
void MainWindow::zoomOut() {
    Presentation::instance().setZoom(Presentation::instance().zoom() / kZoomStep);
}
void MainWindow::resetZoom() {
    Presentation::instance().setZoom(1.0);
}

QString MainWindow::modelSummary() const {
    auto model = session_->model();
    if (!model) return {};
    const QString name = QFileInfo(QString::fromStdString(model->directory.string())).fileName();
    return QString("%1 · %2 parameters · %3")
        .arg(name, formatCount(model->weights.parameterCount),
             QLocale::c().formattedDataSize(qint64(model->weightsFileBytes()), 1));
}

void MainWindow::updateTitle() {
    const QString summary = modelSummary();
    setWindowTitle(summary.isEmpty() ? "TransformerScope" : summary + " — TransformerScope");
    auto model = session_->model();
    if (!model) {
        modelLabel_->setText("No model loaded · File → Open model… (Ctrl+O)");
        return;
    }
    const ModelConfig& c = model->config;
    modelLabel_->setText(QString("%1 · %2 layers × %3 heads · d = %4")
                             .arg(summary)
                             .arg(c.n_layer)
                             .arg(c.n_head)
                             .arg(c.n_embd));
}

void MainWindow::updateStatus() {
    auto snapshot = session_->snapshot();
    const bool loaded = snapshot && snapshot->model;
    tokenizerLabel_->setText(!loaded                      ? QString()
                             : snapshot->bundledTokenizer ? "Tokenizer: bundled GPT-2"
                             : snapshot->model->tokenizer ? "Tokenizer: the model's"
                                                          : "No tokenizer: prompt = token ids");
    tokenizerLabel_->setToolTip(snapshot && snapshot->bundledTokenizer
                                    ? "The model directory has no vocab.json / merges.txt, so "
                                      "the GPT-2 tokenizer bundled with the app is used"
                                    : QString());
    lengthLabel_->setText(loaded ? QString("%1 / %2 tokens")
                                       .arg(snapshot->length())
                                       .arg(snapshot->model->config.n_positions)
                                 : QString());
    selectionLabel_->setText(loaded ? QString("layer %1 · head %2 · position %3")
                                          .arg(session_->selectedLayer())
                                          .arg(session_->selectedHead())
                                          .arg(session_->selectedPosition())
                                    : QString());
    zoomLabel_->setText(QString("%1%").arg(std::lround(Presentation::instance().zoom() * 100)));
}

void MainWindow::exportCsv(View* view) {
    if (!view) return;
    const QString start = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) +
                          "/tscope-" + view->viewName() + ".csv";
    const QString path = QFileDialog::getSaveFileName(this, "Export " + view->title() + " as CSV",
                                                      start, "CSV table (*.csv)");
    QString error;
    if (!path.isEmpty() && !saveText(view->csv(), path, &error)) showError(error);
}

void MainWindow::exportCurrentPlot() {
    View* view = currentView();
    if (!view || view->plots().isEmpty()) {
        showError("The current view has no chart to export");
        return;
    }
    QCustomPlot* plot = view->plots().front();
    const QString start = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation) +
                          "/tscope-" + view->viewName() + ".png";
    const QString path = QFileDialog::getSaveFileName(this, "Export chart", start,
                                                      "PNG image (*.png);;SVG image (*.svg)");
    QString error;
    if (!path.isEmpty() && !savePlot(plot, path, &error)) showError(error);
}

void MainWindow::restoreSettings() {
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    Presentation::instance().setDark(settings.value("view/dark", false).toBool());
    Presentation::instance().setZoom(settings.value("view/zoom", 1.0).toDouble());
    showView(settings.value("view/current", "tokens").toString());
    session_->setTemperature(settings.value("sampling/temperature", 1.0).toDouble());
    session_->setTopK(settings.value("sampling/topK", 0).toInt());
    session_->setTopP(settings.value("sampling/topP", 1.0).toDouble());
    const quint64 seed = settings.value("sampling/seed", 42).toULongLong();
    if (seed != session_->seed()) session_->setSeed(seed);
}

void MainWindow::saveSettings() const {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("view/dark", Presentation::instance().dark());
    settings.setValue("view/zoom", Presentation::instance().zoom());
    if (View* view = currentView()) settings.setValue("view/current", view->viewName());
    const SamplingSettings sampling = session_->sampling();
    settings.setValue("sampling/temperature", double(sampling.temperature));
    settings.setValue("sampling/topK", sampling.topK);
    settings.setValue("sampling/topP", double(sampling.topP));
    settings.setValue("sampling/seed", session_->seed());
    if (auto model = session_->model())
        settings.setValue("session/model", QString::fromStdString(model->directory.string()));
    settings.setValue("session/prompt", session_->prompt());
}

bool MainWindow::presenting() const {
    return stack_->currentWidget() == presenter_;
}

// Full window, big type: the menus, toolbar and status bar step aside.
void MainWindow::enterPresenter() {
    menuBar()->hide();
    generationBar_->hide();
    statusBar()->hide();
    stack_->setCurrentWidget(presenter_);
    presenter_->setFocus();
    // with a second screen: the stages full screen on the projector, the console on this one
    const ScreenPlan plan = planScreens(QGuiApplication::screens(), screen());
    if (!plan.twoScreens()) return;
    normalGeometry_ = saveGeometry();
    normalScreen_ = plan.console;
    console_->setScreen(plan.console);
    console_->setGeometry(plan.console->availableGeometry().adjusted(40, 40, -40, -40));
    console_->show();
    console_->start();
    moveToScreen(plan.audience);
    setGeometry(plan.audience->geometry());
    showFullScreen();
}

// Hidden while it moves: a screen of another X screen (no Xinerama) recreates the native
// window, and only a hidden widget maps the new one when shown again.
void MainWindow::moveToScreen(QScreen* target) {
    if (!target || target == screen()) return;
    hide();
    setScreen(target);
}

void MainWindow::leavePresenter() {
    if (console_->isVisible()) {  // back from the projector to where the window was
        console_->hide();
        moveToScreen(normalScreen_);
        showNormal();
        restoreGeometry(normalGeometry_);
    }
    stack_->setCurrentWidget(normal_);
    menuBar()->show();
    generationBar_->show();
    statusBar()->show();
    if (View* view = currentView()) view->setFocus();
}

// Where feed-back stops in presenter mode (the talk stops at 7 tokens); saved in sessions.
void MainWindow::askContextCap() {
    auto model = session_->model();
    const int context = model ? model->config.n_positions : 1024;
    bool ok = false;
    const int cap = QInputDialog::getInt(
        this, "Presenter context cap",
        QString("Presenter mode stops feeding back at this many tokens\n(0 = the model's "
                "context, %1):")
            .arg(context),
        std::min(presenter_->contextCap(), context), 0, context, 1, &ok);
    if (ok) presenter_->setContextCap(cap);
}

void MainWindow::changeTemperature(int direction) {
    const double t = session_->sampling().temperature + direction * kTemperatureStep;
    session_->setTemperature(std::clamp(t, 0.0, 10.0));
}

void MainWindow::fitToScreen() {
    const QScreen* screen = this->screen();
    if (!fitsScreen_ || !screen || isFullScreen() || isMaximized()) return;
    const QRect available = screen->availableGeometry();
    const QSize frame = frameGeometry().size() - geometry().size();  // title bar and borders
    const QSize room = available.size() - frame;
    if (width() <= room.width() && height() <= room.height()) return;
    resize(size().boundedTo(room));
    if (!available.contains(frameGeometry())) move(available.topLeft());
}

void MainWindow::createSessionMenu(QMenu* file) {
    file->addSeparator();
    addShortcut(file, "Open &session…", {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O)},
                [this] { openSessionDialog(); });
    addShortcut(file, "&Save session…", {QKeySequence(Qt::CTRL | Qt::Key_S)},
                [this] { saveSessionAs(); });
    recentSessions_ = file->addMenu("Recent sessions");
    connect(recentSessions_, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentSessions);
    rebuildRecentSessions();
}

void MainWindow::rebuildRecentSessions() {
    recentSessions_->clear();
    const QStringList recent = SessionDocument::recentSessions();
    for (const QString& path : recent)
        recentSessions_->addAction(QFileInfo(path).fileName(), this,
                                   [this, path] { openSession(path); });
    recentSessions_->setEnabled(!recent.isEmpty());
}

void MainWindow::openSession(const QString& path) {
    const QString error = document_->open(path);
    if (!error.isEmpty()) showError(error);
}

void MainWindow::openSessionDialog() {
    const QString path = QFileDialog::getOpenFileName(
        this, "Open session", QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation),
        "TransformerScope sessions (*.tscope)");
    if (!path.isEmpty()) openSession(path);
}

void MainWindow::saveSessionAs() {
    const QString start =
        QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation) + "/demo.tscope";
    const QString path = QFileDialog::getSaveFileName(this, "Save session", start,
                                                      "TransformerScope sessions (*.tscope)");
    if (path.isEmpty()) return;
    if (const QString error = document_->save(path); !error.isEmpty()) showError(error);
}

void MainWindow::exportWalkthrough() {
    const QString start =
        QStandardPaths::writableLocation(QStandardPaths::PicturesLocation) + "/walkthrough.pdf";
    const QString path = QFileDialog::getSaveFileName(
        this, "Export the walkthrough (one PDF, and a PNG per stage next to it)", start,
        "PDF document (*.pdf)");
    if (path.isEmpty()) return;
    if (const QString error = exportWalkthroughFiles(*presenter_, path); !error.isEmpty())
        showError(error);
}

// A .tscope file dropped on the window opens as a session.
void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().toLocalFile().endsWith(".tscope"))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1) openSession(urls.front().toLocalFile());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (persistent_) saveSettings();
    session_->cancel();
    QMainWindow::closeEvent(event);
}

}  // namespace tscope::ui
