#include "ui/main_window.h"

#include <qcustomplot.h>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include "ui/about_dialog.h"
#include "ui/attention_view.h"
#include "ui/embeddings_view.h"
#include "ui/generation_bar.h"
#include "ui/help_dialog.h"
#include "ui/layers_view.h"
#include "ui/model_menu.h"
#include "ui/output_view.h"
#include "ui/plot_style.h"
#include "ui/session.h"
#include "ui/tokens_view.h"

namespace tscope::ui {

namespace {

constexpr double kZoomStep = 1.15;
const QStringList kViewOrder = {"tokens", "embeddings", "attention", "layers", "output"};

QString formatCount(int64_t n) {
    if (n >= 1'000'000'000) return QString::number(double(n) / 1e9, 'f', 2) + " B";
    if (n >= 1'000'000) return QString::number(double(n) / 1e6, 'f', 1) + " M";
    if (n >= 1'000) return QString::number(double(n) / 1e3, 'f', 1) + " k";
    return QString::number(n);
}

}  // namespace

MainWindow::MainWindow(Session* session, QWidget* parent) : QMainWindow(parent), session_(session) {
    setObjectName("mainWindow");
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
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
    });
    restyle();
    resize(1440, 900);
    updateTitle();
    updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::createViews() {
    tokens_ = new TokensView(session_, this);
    tokensDock_ = new QDockWidget(tokens_->title(), this);
    tokensDock_->setObjectName("tokensDock");
    tokensDock_->setWidget(tokens_);
    tokensDock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                             QDockWidget::DockWidgetClosable);
    tokensDock_->setTitleBarWidget(new QWidget(tokensDock_));  // the view has its own headings
    addDockWidget(Qt::TopDockWidgetArea, tokensDock_);
    views_[tokens_->viewName()] = tokens_;

    output_ = new OutputView(session_, this);
    tabs_ = new QTabWidget(this);
    tabs_->setDocumentMode(true);
    const std::initializer_list<View*> tabbed = {new EmbeddingsView(session_, tabs_),
                                                 new AttentionView(session_, tabs_),
                                                 new LayersView(session_, tabs_), output_};
    for (View* view : tabbed) {
        views_[view->viewName()] = view;
        tabs_->addTab(view, view->title());
    }
    tabs_->setCurrentWidget(output_);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    createBanner(central);
    layout->addWidget(banner_);
    layout->addWidget(tabs_, 1);
    setCentralWidget(central);
    resizeDocks({tokensDock_}, {210}, Qt::Vertical);
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
    QAction* panel = tokensDock_->toggleViewAction();
    panel->setText("Show prompt && tokens panel");
    view->addAction(panel);

    QMenu* help = menuBar()->addMenu("&Help");
    addShortcut(help, "&Keyboard shortcuts", {QKeySequence(Qt::Key_F1)}, [this] { showHelp(); });
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
    return qobject_cast<View*>(tabs_->currentWidget());
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
    if (view == tokens_) {
        tokensDock_->show();
        tokensDock_->raise();
        tokens_->editor()->setFocus();
    } else {
        tabs_->setCurrentWidget(view);
        view->setFocus();
    }
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
    showView(settings.value("view/current", "output").toString());
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

void MainWindow::closeEvent(QCloseEvent* event) {
    if (persistent_) saveSettings();
    session_->cancel();
    QMainWindow::closeEvent(event);
}

}  // namespace tscope::ui
