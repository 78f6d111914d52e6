#include "ui/help_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

#include "ui/head_score_text.h"

namespace tscope::ui {

namespace {

// Things done with the mouse have no action to read a shortcut from.
const char* const kMouseHints[][2] = {
    {"Hover a token chip", "highlight its characters in the prompt, show its bytes"},
    {"Click a token chip", "select that position in every view"},
    {"Click a bar (Output)", "force that token instead (what-if)"},
    {"Right-click a chart", "export it as PNG or SVG, or its data as CSV"},
    {"Click a head (Head atlas)", "open it in the Attention view"},
    {"Ctrl+click a head (Head atlas, all-heads grid)", "ablate it / restore it"},
    {"Click a cell (Patching)", "show that patched run's top tokens"},
};

// Presenter mode (F5) reads these keys itself, so they are no window actions either.
const char* const kPresenterKeys[][2] = {
    {"Page Down, →, ↓, Space", "next beat (entering the draw of stage 8 samples a token)"},
    {"Page Up, ←, ↑, Backspace", "previous beat (backing out of the draw undoes it)"},
    {"Home / End", "first / last stage"},
    {"1 … 9", "jump to that stage"},
    {"B or .", "blank the screen; any key brings it back"},
    {"T / Shift+T, + / −", "raise / lower the temperature"},
    {"S / G", "sample / take the most likely token now"},
    {"A", "fixed 0–100 % probability axis on / off"},
    {"Q", "quick steps: after feed-back, straight back to the softmax"},
    {"Esc or F5", "leave presenter mode"},
};

QString row(const QString& keys, const QString& what) {
    return QString("<tr><td style='padding:3px 18px 3px 0'><b>%1</b></td><td>%2</td></tr>")
        .arg(keys.toHtmlEscaped(), what.toHtmlEscaped());
}

// The head atlas's six scores, defined exactly as the atlas computes them (core/head_scores.h).
QString headScoreHelp() {
    QString html = "<h3>Head-role scores (Head atlas)</h3><p>" +
                   headScorePreamble().toHtmlEscaped() + "</p><ul>";
    for (int s = 0; s < kHeadScoreCount; ++s)
        html += "<li><code>" + headScoreLabel(HeadScore(s)) +
                "</code>: " + headScoreDefinition(HeadScore(s)).toHtmlEscaped() + "</li>";
    return html + "</ul><p>" + headScoreNullRule().toHtmlEscaped() + "</p>";
}

}  // namespace

HelpDialog::HelpDialog(const QList<QAction*>& actions, QWidget* parent) : QDialog(parent) {
    setWindowTitle("Keyboard shortcuts");
    html_ =
        "<p>Space steps unless the prompt is being edited (Esc or Ctrl+Enter leave it); bare "
        "arrow keys go to a focused slider, box or table first.</p><h3>Keyboard</h3><table>";
    for (const QAction* action : actions) {
        QStringList keys;
        for (const QKeySequence& key : action->shortcuts())
            keys << key.toString(QKeySequence::NativeText);
        if (keys.isEmpty()) continue;
        QString what = action->text();
        what.remove('&');
        if (!action->toolTip().isEmpty() && action->toolTip() != what) {
            QString tip = action->toolTip();
            tip = tip.left(tip.lastIndexOf(" (")).trimmed();  // tooltips end with "(key)"
            if (!tip.isEmpty() && tip != what) what += " — " + tip;
        }
        html_ += row(keys.join("  or  "), what);
    }
    html_ += "</table><h3>Presenter mode</h3><table>";
    for (const auto& key : kPresenterKeys) html_ += row(key[0], key[1]);
    html_ += "</table><h3>Mouse</h3><table>";
    for (const auto& hint : kMouseHints) html_ += row(hint[0], hint[1]);
    html_ += "</table>" + headScoreHelp();

    auto* label = new QLabel(html_, this);
    label->setTextFormat(Qt::RichText);
    label->setWordWrap(true);
    label->setContentsMargins(16, 8, 16, 8);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(label);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    layout->addWidget(buttons);
    resize(620, 640);
}

}  // namespace tscope::ui
