// The main window only assembles: the five views as tabs in the order of the walk (tokens
// first) and the four research tools after them, the generation toolbar, menus with a shortcut for
// every action, the status bar, an error banner, presenter mode (F5) and session files, and
// QSettings persistence. All behaviour lives in the views, the presenter and the Session. The
// window fits the screen it is on at any zoom: views scroll rather than push the window past the
// screen.
#pragma once

#include <QMainWindow>
#include <QMap>
#include <QPointer>
#include <QScreen>
#include <functional>

class QAction;
class QLabel;
class QMenu;
class QStackedWidget;
class QTabWidget;

namespace tscope::ui {

class GenerationBar;
class ModelMenu;
class OutputView;
class PresenterConsole;
class PresenterView;
class Session;
class SessionDocument;
class TokensView;
class View;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(Session* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    // tokens, embeddings, attention, layers, output, heads, ablation, patching, compare
    QStringList viewNames() const;
    View* view(const QString& name) const;
    View* currentView() const;           // the view of the current tab
    bool showView(const QString& name);  // false for an unknown name
    TokensView* tokensView() const { return tokens_; }
    OutputView* outputView() const { return output_; }
    GenerationBar* generationBar() const { return generationBar_; }
    QList<QAction*> shortcutActions() const;  // every action with a shortcut, for the help
    QString modelSummary() const;             // "tiny-gpt2 · 3.3 M parameters · 12.8 MiB"
    QString errorText() const;                // the banner's message; empty when hidden
    PresenterView* presenter() const { return presenter_; }
    PresenterConsole* presenterConsole() const { return console_; }
    SessionDocument* sessionDocument() const { return document_; }
    bool presenting() const;

    // Whether closing writes the settings (off for --screenshot runs and tests).
    void setPersistent(bool persistent) { persistent_ = persistent; }
    // Whether zooming shrinks the window to the screen (off for --screenshot at a given size).
    void setFitsScreen(bool fits) { fitsScreen_ = fits; }
    void restoreSettings();     // window layout, theme, zoom, sampling, seed, current view
    void saveSettings() const;  // the same, plus the model directory and the prompt

  public slots:
    void showHelp();
    void showError(const QString& message);
    void zoomIn();
    void zoomOut();
    void resetZoom();
    void enterPresenter();
    void leavePresenter();
    void openSession(const QString& path);  // errors go to the banner; the app stays as it was
    void saveSessionAs();
    void openSessionDialog();
    void exportWalkthrough();
    void fitToScreen();  // shrinks (never grows) the window to the available screen area

  protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    void createViews();
    void createMenus();
    void createStatusBar();
    void createBanner(QWidget* central);
    void restyle();
    QAction* addShortcut(QMenu* menu, const QString& text, const QList<QKeySequence>& keys,
                         std::function<void()> slot);
    void updateTitle();
    void updateStatus();
    void exportCurrentPlot();
    void exportCsv(View* view);
    void createSessionMenu(QMenu* file);
    void rebuildRecentSessions();
    void changeTemperature(int direction);
    void askContextCap();
    void moveToScreen(QScreen* target);

    Session* session_;
    TokensView* tokens_ = nullptr;
    OutputView* output_ = nullptr;
    QStackedWidget* stack_ = nullptr;  // the views, or the presenter
    QWidget* normal_ = nullptr;
    PresenterView* presenter_ = nullptr;
    PresenterConsole* console_ = nullptr;  // the presenter's window on a second screen
    QByteArray normalGeometry_;            // where the window was before it went to the projector
    QPointer<QScreen> normalScreen_;
    SessionDocument* document_ = nullptr;
    QMenu* recentSessions_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QMap<QString, View*> views_;
    GenerationBar* generationBar_ = nullptr;
    ModelMenu* modelMenu_ = nullptr;
    QList<QAction*> shortcuts_;
    QWidget* banner_ = nullptr;
    QLabel* bannerText_ = nullptr;
    QLabel* modelLabel_ = nullptr;
    QLabel* tokenizerLabel_ = nullptr;
    QLabel* lengthLabel_ = nullptr;
    QLabel* selectionLabel_ = nullptr;
    QLabel* zoomLabel_ = nullptr;
    QAction* darkAction_ = nullptr;
    bool persistent_ = true;
    bool fitsScreen_ = true;
};

}  // namespace tscope::ui
