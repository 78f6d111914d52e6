#include "ui/download_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace tscope::ui {

using download::ModelDownloader;

DownloadDialog::DownloadDialog(const download::ModelSpec& spec,
                               const download::DownloadOptions& options, QWidget* parent)
    : QDialog(parent), spec_(spec), downloader_(new ModelDownloader(options, this)) {
    setWindowTitle(tr("Download %1").arg(spec.name));
    setMinimumWidth(520);
    auto* layout = new QVBoxLayout(this);
    title_ = new QLabel(tr("<b>%1</b> (%2 parameters) from %3<br>into %4")
                            .arg(spec.name, spec.parameters,
                                 QString(options.hubUrl + "/" + spec.repo).toHtmlEscaped(),
                                 downloader_->destinationDir(spec).toHtmlEscaped()),
                        this);
    title_->setWordWrap(true);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bar_ = new QProgressBar(this);
    bar_->setRange(0, 1000);  // per mille: smooth for gigabyte files
    bar_->setTextVisible(true);
    bar_->setFormat("%p%");
    status_ = new QLabel(tr("Waiting to start…"), this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox(this);
    cancel_ = buttons->addButton(tr("Cancel download"), QDialogButtonBox::RejectRole);
    resume_ = buttons->addButton(tr("Resume"), QDialogButtonBox::ActionRole);
    close_ = buttons->addButton(QDialogButtonBox::Close);
    layout->addWidget(title_);
    layout->addWidget(bar_);
    layout->addWidget(status_);
    layout->addStretch(1);
    layout->addWidget(buttons);

    connect(cancel_, &QPushButton::clicked, this, &DownloadDialog::cancel);
    connect(resume_, &QPushButton::clicked, this, &DownloadDialog::start);
    connect(close_, &QPushButton::clicked, this, &QDialog::close);
    connect(downloader_, &ModelDownloader::progress, this, &DownloadDialog::onProgress);
    connect(downloader_, &ModelDownloader::finished, this, &DownloadDialog::onFinished);
    connect(downloader_, &ModelDownloader::failed, this,
            [this](const QString& message) { onStopped(message, true); });
    connect(downloader_, &ModelDownloader::cancelled, this, [this] {
        onStopped(tr("Cancelled. The part already received is kept: Resume continues from it."),
                  false);
    });
    setRunning(false);
}

void DownloadDialog::start() {
    if (!downloader_->start(spec_)) return;  // already running
    status_->setStyleSheet({});
    status_->setText(tr("Connecting…"));
    setRunning(true);
}

void DownloadDialog::cancel() {
    if (downloader_->isRunning()) downloader_->cancel();
}

QString DownloadDialog::statusText() const {
    return status_->text();
}

int DownloadDialog::percent() const {
    return bar_->value() / 10;
}

void DownloadDialog::reject() {
    cancel();
    QDialog::reject();
}

void DownloadDialog::onProgress(const QString& file, qint64 fileReceived, qint64 fileTotal,
                                qint64 overallReceived, qint64 overallTotal, double bytesPerSecond,
                                double secondsLeft) {
    if (overallTotal > 0) {
        bar_->setRange(0, 1000);
        bar_->setValue(int(1000.0 * double(overallReceived) / double(overallTotal)));
    } else {
        bar_->setRange(0, 0);  // busy indicator until a size is known
    }
    progress_ = {file,         fileReceived,   fileTotal,  overallReceived,
                 overallTotal, bytesPerSecond, secondsLeft};
    status_->setText(download::describeProgress(progress_));
}

void DownloadDialog::onFinished(const QString& modelDir) {
    bar_->setRange(0, 1000);
    bar_->setValue(1000);
    status_->setText(tr("Done: every file is in place and verified."));
    setRunning(false);
    emit modelReady(modelDir);
    accept();
}

void DownloadDialog::onStopped(const QString& message, bool isError) {
    if (bar_->maximum() == 0) bar_->setRange(0, 1000);
    status_->setStyleSheet(isError ? "color: #c0392b;" : QString());
    status_->setText(
        isError ? tr("Download failed: %1\nThe model you had open keeps working.").arg(message)
                : message);
    setRunning(false);
}

void DownloadDialog::setRunning(bool running) {
    cancel_->setEnabled(running);
    resume_->setEnabled(!running);
    resume_->setText(bar_->value() > 0 ? tr("Resume") : tr("Start"));
    close_->setEnabled(!running);
}

}  // namespace tscope::ui
