#include "ui/about_dialog.h"

#include <QDialogButtonBox>
#include <QIcon>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/build_info.h"
#include "core/resources.h"

namespace tscope::ui {

namespace {

QString fromStd(const std::string& text) {
    return QString::fromStdString(text).toHtmlEscaped();
}

// The facts a bug report needs, one table row each.
QString buildTable() {
    const QString qt = QString("%1 (built with %2)").arg(qVersion(), QT_VERSION_STR);
    const std::pair<const char*, QString> rows[] = {
        {"Version", fromStd(version())},
        {"CPU path", fromStd(cpuPath())},
        {"Qt", qt},
        {"Eigen", fromStd(eigenVersion())},
        {"Compiler", fromStd(compilerName())},
        {"Data", fromStd(resources::dataDir().string())},
    };
    QString html = "<table cellspacing=4>";
    for (const auto& [name, value] : rows)
        html += QString("<tr><th align=left>%1</th><td>%2</td></tr>").arg(name, value);
    return html + "</table>";
}

// Kept in step with packaging/copyright.
const char* const kLicences =
    "<p><b>Licences.</b> TransformerScope is MIT-licensed (see /usr/share/doc/transformerscope/"
    "copyright). This program links QCustomPlot (GPL-3.0-or-later), so the tscope binary as a "
    "whole is distributed under the GPL version 3 or later. Qt 6: LGPL-3.0. Eigen: MPL-2.0. "
    "nlohmann/json: MIT. PCRE2: BSD-3-Clause. GPT-2 tokenizer files: MIT, © 2019 OpenAI. The "
    "bundled model: ours (MIT), trained on public-domain novels from Project Gutenberg.</p>";

}  // namespace

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle("About TransformerScope");
    html_ = "<h2>TransformerScope " + fromStd(version()) +
            "</h2><p>Every stage of GPT-2, visible and steppable: tokens, embeddings, attention, "
            "layers and the output distribution.</p>" +
            buildTable() + kLicences;
    auto* label = new QLabel(html_, this);
    label->setTextFormat(Qt::RichText);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setMinimumWidth(460);
    auto* icon = new QLabel(this);
    icon->setPixmap(QIcon::fromTheme("tscope").pixmap(64, 64));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* aboutQt = buttons->addButton("About &Qt", QDialogButtonBox::HelpRole);
    connect(aboutQt, &QPushButton::clicked, this, [this] { QMessageBox::aboutQt(this); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* text = new QHBoxLayout;
    text->addWidget(icon, 0, Qt::AlignTop);
    text->addWidget(label, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(text);
    layout->addWidget(buttons);
}

}  // namespace tscope::ui
