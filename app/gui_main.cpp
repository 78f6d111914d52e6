// tscope: the desktop app. Parses the command line, opens a model (the one asked for, the last
// one used, or the bundled default), and either shows the window or, with --screenshot, renders
// one view (or, with --present, one presenter stage) to a PNG file and exits (for the README and
// for checks). A .tscope session file can be given as an argument.
#include <qcustomplot.h>
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QSettings>
#include <QStyleFactory>
#include <QTextStream>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <optional>

#include "core/build_info.h"
#include "core/resources.h"
#include "ui/main_window.h"
#include "ui/plot_style.h"
#include "ui/presenter/presenter_view.h"
#include "ui/presenter/session_document.h"
#include "ui/session.h"
#include "ui/view.h"

namespace {

using tscope::ui::MainWindow;
using tscope::ui::Presentation;
using tscope::ui::Session;
using tscope::ui::StagePosition;

const char* const kDefaultPrompt = "The power clapper";
const QSize kScreenshotSize(1600, 1000);
const QSize kPresenterScreenshotSize(1280, 720);

bool isModelDir(const QString& dir) {
    return QFileInfo::exists(dir + "/config.json");
}

// The model to open when none is given: the last one used (if it is still there), then the
// bundled default model.
QString defaultModelDir(bool useSettings) {
    if (useSettings) {
        const QString last = QSettings().value("session/model").toString();
        if (!last.isEmpty() && isModelDir(last)) return last;
    }
    const auto bundled = tscope::resources::bundledModel("default");
    return bundled ? QString::fromStdString(bundled->string()) : QString();
}

// --model takes a directory or a bundled model's name ("default").
QString modelArgument(const QString& argument) {
    return QString::fromStdString(
        tscope::resources::resolveModelArgument(argument.toStdString()).string());
}

// Whether the command line holds one of these flags (before any "--").
bool asksFor(int argc, char** argv, std::initializer_list<const char*> flags) {
    for (int i = 1; i < argc && std::strcmp(argv[i], "--") != 0; ++i)
        for (const char* flag : flags)
            if (std::strcmp(argv[i], flag) == 0) return true;
    return false;
}

int fail(const QString& message) {
    QTextStream(stderr) << "tscope: error: " << message << Qt::endl;
    return 1;
}

struct Options {
    QString model, view, screenshot;
    std::optional<QString> prompt;
    std::optional<int> layer, head, generate, cap;
    bool dark = false;
    std::optional<double> zoom;
    bool present = false;
    std::optional<StagePosition> stage;  // 0-based stage and beat
    QString session;                     // a .tscope file
    std::optional<QSize> size;
    QList<QPair<QString, QString>> settings;  // --set KEY=VALUE for the shown view, in order
};

// "4" = stage 4, "4.2" = its second beat (both 1-based on the command line).
std::optional<StagePosition> parseStage(const QString& text) {
    const QStringList parts = text.split('.');
    bool ok = parts.size() <= 2;
    const int stage = parts.value(0).toInt(&ok);
    int beat = 1;
    if (ok && parts.size() == 2) beat = parts[1].toInt(&ok);
    if (!ok || stage < 1 || beat < 1) return std::nullopt;
    return StagePosition{stage - 1, beat - 1};
}

std::optional<QSize> parseSize(const QString& text) {
    const QStringList parts = text.toLower().split('x');
    bool ok1 = false, ok2 = false;
    const QSize size(parts.value(0).toInt(&ok1), parts.value(1).toInt(&ok2));
    if (parts.size() != 2 || !ok1 || !ok2 || size.width() < 320 || size.height() < 240 ||
        size.width() > 7680 || size.height() > 4320)
        return std::nullopt;
    return size;
}

// Returns an error message, or an empty string when the options are usable.
QString parse(const QCoreApplication& app, Options& options) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "TransformerScope: every stage of GPT-2, visible and steppable");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {"model",
         "GPT-2 model directory (config.json + model.safetensors), or the name of a "
         "bundled model (default).",
         "DIR"},
        {"prompt", "Prompt to run.", "TEXT"},
        {"view",
         "View to show: tokens, embeddings, attention, layers, output, heads, ablation, "
         "patching or compare.",
         "NAME"},
        {"set",
         "A setting of the shown view, repeatable (for scripted screenshots): heads: "
         "score=induction, source=probe, n=50, seeds=4, ablate=5.1,7.10; ablation: heads=0.1,1.2, "
         "mode=mean, "
         "token=' the', sweep=logprob|prob|loss; patching: clean=TEXT, corrupt=TEXT, right=TOKEN, "
         "wrong=TOKEN, run=1, cell=resid:L:P; compare: a=TEXT, b=TEXT, layer=L, head=H.",
         "KEY=VALUE"},
        {"layer", "Layer to select (from 0).", "L"},
        {"head", "Attention head to select (from 0).", "H"},
        {"generate", "Sample N tokens after the prompt (with the saved or default seed).", "N"},
        {"screenshot", "Render the view to this PNG file after the prompt ran, then exit.", "FILE"},
        {"dark", "Use the dark theme."},
        {"zoom", "Scale text and plots (1 = normal, 1.5 for a projector).", "Z"},
        {"present", "Start in presenter mode (F5; Esc leaves it)."},
        {"stage", "Presenter stage to show, 1-9; 4.2 = its second beat.", "N"},
        {"session", "Open a .tscope session file (also accepted as a plain argument).", "FILE"},
        {"size", "Window size for --screenshot, e.g. 1280x720.", "WxH"},
        {"cap", "Presenter mode stops feeding back at N tokens (0 = the model's context).", "N"},
    });
    parser.addPositionalArgument("session", "A .tscope session file to open.", "[FILE.tscope]");
    parser.process(app);
    options.present = parser.isSet("present") || parser.isSet("stage");
    if (parser.isSet("session")) options.session = parser.value("session");
    if (options.session.isEmpty() && !parser.positionalArguments().isEmpty())
        options.session = parser.positionalArguments().front();
    if (parser.positionalArguments().size() > 1) return "give at most one session file";
    if (parser.isSet("stage") && !(options.stage = parseStage(parser.value("stage"))))
        return "--stage needs a stage number from 1 (e.g. 4 or 4.2)";
    if (parser.isSet("size") && !(options.size = parseSize(parser.value("size"))))
        return "--size needs WIDTHxHEIGHT, e.g. 1280x720";
    if (parser.isSet("model")) options.model = modelArgument(parser.value("model"));
    if (parser.isSet("prompt")) options.prompt = parser.value("prompt");
    options.view = parser.value("view");
    for (const QString& setting : parser.values("set")) {
        const qsizetype equals = setting.indexOf('=');
        if (equals <= 0) return "--set needs KEY=VALUE, e.g. --set score=induction";
        options.settings.append({setting.left(equals), setting.mid(equals + 1)});
    }
    if (!options.settings.isEmpty() && options.view.isEmpty()) return "--set needs a --view";
    options.screenshot = parser.value("screenshot");
    options.dark = parser.isSet("dark");
    bool ok = true;
    const std::pair<const char*, std::optional<int>*> numbers[] = {{"layer", &options.layer},
                                                                   {"head", &options.head},
                                                                   {"generate", &options.generate},
                                                                   {"cap", &options.cap}};
    for (const auto& [name, value] : numbers) {
        if (!parser.isSet(name)) continue;
        *value = parser.value(name).toInt(&ok);
        if (!ok || **value < 0) return QString("--%1 needs a number ≥ 0").arg(name);
    }
    if (parser.isSet("zoom")) {
        const double zoom = parser.value("zoom").toDouble(&ok);
        if (!ok || zoom < 0.5 || zoom > 4) return "--zoom needs a number between 0.5 and 4";
        options.zoom = zoom;
    }
    return {};
}

// Applies --view, --layer, --head, --cap, --present and --stage once the model (and a session)
// is there, and --dark and --zoom again over a session's theme; returns an error message.
QString select(MainWindow& window, Session& session, const Options& options) {
    if (!options.view.isEmpty() && !window.showView(options.view))
        return "unknown --view '" + options.view + "' (use " + window.viewNames().join(", ") + ")";
    auto model = session.model();
    if (options.layer) {
        if (!model || *options.layer >= model->config.n_layer)
            return QString("--layer %1 is out of range (the model has %2 layers)")
                .arg(*options.layer)
                .arg(model ? model->config.n_layer : 0);
        session.selectLayer(*options.layer);
    }
    if (options.head) {
        if (!model || *options.head >= model->config.n_head)
            return QString("--head %1 is out of range (the model has %2 heads)")
                .arg(*options.head)
                .arg(model ? model->config.n_head : 0);
        session.selectHead(*options.head);
    }
    // the command line wins over what a session file set
    if (options.cap) window.presenter()->setContextCap(*options.cap);
    if (options.dark) Presentation::instance().setDark(true);
    if (options.zoom) Presentation::instance().setZoom(*options.zoom);
    for (const auto& [key, value] : options.settings)
        if (const QString error = window.view(options.view)->setOption(key, value);
            !error.isEmpty())
            return "--set " + key + ": " + error;
    if (options.present) window.enterPresenter();
    if (options.stage) {
        const int stages = window.presenter()->stageCount();
        if (options.stage->stage >= stages)
            return QString("--stage %1 is out of range (1 to %2)")
                .arg(options.stage->stage + 1)
                .arg(stages);
        window.presenter()->setPosition(*options.stage);
    }
    return {};
}

// Opens --session FILE and waits until its tokens are replayed; returns an error message.
QString openSession(MainWindow& window, Session& session, const QString& path) {
    tscope::ui::SessionDocument* document = window.sessionDocument();
    if (const QString error = document->open(path); !error.isEmpty()) return error;
    QString replayError;
    QObject::connect(document, &tscope::ui::SessionDocument::finished,
                     [&replayError](const QString& error) { replayError = error; });
    while (document->replaying()) session.waitUntilIdle();
    return replayError;
}

// Renders the window once everything has settled and writes it as PNG.
int screenshot(MainWindow& window, Session& session, const Options& options) {
    window.setFitsScreen(false);  // the size asked for, whatever the (virtual) screen
    window.resize(
        options.size.value_or(options.present ? kPresenterScreenshotSize : kScreenshotSize));
    window.show();
    if (!session.waitUntilIdle()) return fail(session.lastError());
    if (!options.session.isEmpty())
        if (const QString error = openSession(window, session, options.session); !error.isEmpty())
            return fail(error);
    if (options.generate) {
        session.generate(*options.generate);
        if (!session.waitUntilIdle()) return fail(session.lastError());
    }
    if (const QString error = select(window, session, options); !error.isEmpty())
        return fail(error);
    for (int i = 0; i < 3; ++i) QCoreApplication::processEvents();
    // Background work a view starts once it is laid out (the logit lens, the small multiples).
    for (const QString& name : window.viewNames())
        if (auto* view = window.view(name); view && view->isVisible()) view->waitUntilReady();
    for (int i = 0; i < 3; ++i) QCoreApplication::processEvents();
    for (const QString& name : window.viewNames())
        if (auto* view = window.view(name))
            for (QCustomPlot* plot : view->plots())
                if (plot->isVisible()) plot->replot(QCustomPlot::rpImmediateRefresh);
    QCoreApplication::processEvents();
    if (!window.grab().save(options.screenshot, "PNG"))
        return fail(options.screenshot + ": could not write the PNG file");
    return 0;
}

// QGuiApplication takes -session / --session for X11 session management and removes it from the
// arguments, so ours is taken out of argv before the application sees it.
QString takeSessionArgument(int& argc, char** argv) {
    for (int i = 1; i + 1 < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg != "--session" && arg != "-session") continue;
        const QString value = QString::fromLocal8Bit(argv[i + 1]);
        for (int j = i; j + 2 < argc; ++j) argv[j] = argv[j + 2];
        argc -= 2;
        return value;
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    const QString sessionArgument = takeSessionArgument(argc, argv);
    QCoreApplication::setOrganizationName("TransformerScope");
    QCoreApplication::setApplicationName("tscope");
    QCoreApplication::setApplicationVersion(QString::fromStdString(tscope::version()));
    // --version and --help answer on the terminal without a display (over ssh, in a package
    // build), so they are handled before QApplication connects to one.
    if (asksFor(argc, argv, {"--version", "-v"})) {
        std::fputs(tscope::versionText("tscope").c_str(), stdout);
        return 0;
    }
    if (asksFor(argc, argv, {"--help", "-h", "--help-all", "-?"})) {
        QCoreApplication terminal(argc, argv);
        Options ignored;
        parse(terminal, ignored);  // prints the help and exits
        return 0;
    }
    QApplication app(argc, argv);
    QGuiApplication::setDesktopFileName("tscope");  // Wayland: match tscope.desktop and its icon
    QApplication::setWindowIcon(QIcon::fromTheme("tscope"));  // installed in the hicolor theme
    QApplication::setStyle(QStyleFactory::create("Fusion"));

    Options options;
    if (!sessionArgument.isEmpty()) options.session = sessionArgument;
    if (const QString error = parse(app, options); !error.isEmpty()) return fail(error);
    const bool screenshotMode = !options.screenshot.isEmpty();

    Session session;
    MainWindow window(&session);
    Presentation& presentation = Presentation::instance();
    presentation.apply();
    if (screenshotMode)
        window.setPersistent(false);  // a scripted run leaves the user's settings alone
    else
        window.restoreSettings();
    if (options.dark) presentation.setDark(true);
    if (options.zoom) presentation.setZoom(*options.zoom);

    const QString prompt = options.prompt ? *options.prompt
                           : screenshotMode
                               ? QString(kDefaultPrompt)
                               : QSettings().value("session/prompt", kDefaultPrompt).toString();
    const QString model =
        !options.model.isEmpty() ? options.model : defaultModelDir(!screenshotMode);

    session.setPrompt(prompt);
    if (!model.isEmpty())
        session.openModel(model);
    else if (screenshotMode)
        return fail("no model found: pass --model DIR");
    if (options.generate && !screenshotMode) session.generate(*options.generate);

    if (screenshotMode) return screenshot(window, session, options);

    window.show();
    if (!options.session.isEmpty()) window.openSession(options.session);
    if (!options.view.isEmpty() || options.layer || options.head || options.present ||
        options.cap || !options.session.isEmpty()) {
        session.waitUntilIdle();
        if (const QString error = select(window, session, options); !error.isEmpty())
            window.showError(error);
    }
    return app.exec();
}
