#include "ui/ablation_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <cmath>

#include "core/sampling.h"
#include "ui/background_job.h"
#include "ui/cell_marks.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/research_input.h"
#include "ui/session.h"
#include "ui/token_bars.h"

namespace tscope::ui {

namespace {

constexpr int kBars = 10;

QString headList(const std::vector<HeadRef>& heads) {
    QStringList names;
    for (const HeadRef& h : heads) names << QString("%1.%2").arg(h.layer).arg(h.head);
    return names.join(", ");
}

// Four significant digits: a probability of 0.0003 keeps its digits, a loss of 11.45 too.
QString signedNumber(double v) {
    return (v >= 0 ? "+" : QString::fromUtf8("−")) + QString::number(std::abs(v), 'g', 4);
}

// "0.231 → 0.1043 (−0.1267)"
QString change(double before, double after) {
    return QString::fromUtf8("%1 → %2 (%3)")
        .arg(QString::number(before, 'g', 4), QString::number(after, 'g', 4),
             signedNumber(after - before));
}

}  // namespace

AblationView::AblationView(Session* session, QWidget* parent)
    : View(session, parent),
      effectJob_(new BackgroundJob(this)),
      sweepJob_(new BackgroundJob(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);

    auto* bar = new QHBoxLayout;
    heads_ = new QLabel(this);
    heads_->setWordWrap(true);
    clear_ = new QPushButton(tr("Restore all"), this);
    mode_ = new QComboBox(this);
    mode_->addItems({tr("zero"), tr("mean")});
    mode_->setToolTip(tr("zero: the head's output becomes 0 · mean: its mean over the prompt"));
    token_ = new QLineEdit(this);
    token_->setPlaceholderText(tr("top token before"));
    token_->setToolTip(
        tr("The token whose probability is followed: one token of text "
           "(mind the leading space) or #id; empty = the most likely one"));
    token_->setMaximumWidth(180);
    bar->addWidget(heads_, 1);
    bar->addWidget(clear_);
    bar->addSpacing(10);
    bar->addWidget(new QLabel(tr("Mode"), this));
    bar->addWidget(mode_);
    bar->addSpacing(10);
    bar->addWidget(new QLabel(tr("Token"), this));
    bar->addWidget(token_);
    layout->addLayout(bar);

    before_ = new TokenBars(this);
    after_ = new TokenBars(this);
    before_->setValueLabel(tr("probability"));
    after_->setValueLabel(tr("probability"));
    auto* bars = new QWidget(this);
    auto* barsLayout = new QHBoxLayout(bars);
    barsLayout->setContentsMargins(0, 0, 0, 0);
    barsLayout->addWidget(before_, 1);
    barsLayout->addWidget(after_, 1);
    numbers_ = new QLabel(this);
    numbers_->setTextFormat(Qt::RichText);
    numbers_->setWordWrap(true);
    numbers_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(bars, 1);
    topLayout->addWidget(numbers_);

    auto* sweepBar = new QHBoxLayout;
    metric_ = new QComboBox(this);
    metric_->addItems(
        {tr("log-prob of the token"), tr("prob of the token"), tr("loss of the prompt")});
    sweepButton_ = new QPushButton(tr("Sweep: ablate each head alone"), this);
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->setEnabled(false);
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(220);
    progress_->setVisible(false);
    sweepStatus_ = new QLabel(this);
    sweepBar->addWidget(new QLabel(tr("Change in"), this));
    sweepBar->addWidget(metric_);
    sweepBar->addWidget(sweepButton_);
    sweepBar->addWidget(cancelButton_);
    sweepBar->addWidget(progress_);
    sweepBar->addWidget(sweepStatus_, 1);
    sweepMap_ = new Heatmap(this);
    sweepMap_->setAxisTitles(tr("layer"), tr("head"));
    sweepMap_->plot()->xAxis->setTickLabelRotation(0);
    sweepMap_->setDiverging(true);
    sweepMap_->setSymmetricRange(true);
    sweepMap_->setTooltip([this](int l, int h) {
        const float v = sweepMap_->value(l, h);
        QString text = tr("head %1.%2 ablated alone: %3 %4")
                           .arg(l)
                           .arg(h)
                           .arg(metricName(sweepMetric_), signedNumber(double(v)));
        return session_->isAblated(l, h) ? text + tr("\n(in the ablated set)") : text;
    });
    marks_ = std::make_unique<CellMarks>(sweepMap_);
    auto* bottom = new QWidget(this);
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addLayout(sweepBar);
    bottomLayout->addWidget(sweepMap_, 1);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(top);
    splitter->addWidget(bottom);
    splitter->setSizes({400, 400});
    layout->addWidget(splitter, 1);

    connect(clear_, &QPushButton::clicked, this, [this] { session_->setAblatedHeads({}); });
    connect(mode_, &QComboBox::activated, this, [this](int m) {
        session_->setAblationMode(m == 0 ? AblationMode::Zero : AblationMode::Mean);
    });
    connect(token_, &QLineEdit::editingFinished, this, [this] {
        effectDirty_ = true;
        computeEffect();
    });
    connect(sweepButton_, &QPushButton::clicked, this,
            [this] { startSweep(AblationMetric(metric_->currentIndex())); });
    connect(effectJob_, &BackgroundJob::failed, this,
            [this](const QString& message) { numbers_->setText(message.toHtmlEscaped()); });
    showProgress(sweepJob_, progress_, sweepButton_, cancelButton_);
    connect(sweepJob_, &BackgroundJob::failed, this,
            [this](const QString& message) { sweepStatus_->setText(message); });
    connect(sweepJob_, &BackgroundJob::cancelled, this,
            [this] { sweepStatus_->setText(tr("sweep cancelled")); });
    connect(session_, &Session::modelChanged, effectJob_, &BackgroundJob::cancel);  // stale
    connect(session_, &Session::snapshotChanged, this, &AblationView::onSnapshot);
    connect(session_, &Session::ablationChanged, this, &AblationView::onAblation);
    connect(&Presentation::instance(), &Presentation::changed, this, &AblationView::restyle);
    installExportMenu(sweepMap_->plot(), [this] { return csv(); });
    restyle();
    onSnapshot();
    onAblation();
}

AblationView::~AblationView() = default;

QList<QCustomPlot*> AblationView::plots() const {
    return {before_->plot(), after_->plot(), sweepMap_->plot()};
}

void AblationView::onSnapshot() {
    snapshot_ = session_->snapshot();
    sweepJob_->cancel();
    sweep_.clear();
    sweepMap_->clear();
    sweepStatus_->setText(tr("Sweep: each head ablated alone (%1 mode), the change in the metric")
                              .arg(mode_->currentText()));
    effectDirty_ = true;
    computeEffect();
}

void AblationView::onAblation() {
    const std::vector<HeadRef>& heads = session_->ablatedHeads();
    heads_->setText(heads.empty() ? tr("No head ablated: Ctrl+click heads in the Head atlas or "
                                       "in Attention's all-heads grid")
                                  : tr("Ablated: %1").arg(headList(heads)));
    clear_->setEnabled(!heads.empty());
    mode_->setCurrentIndex(session_->ablationMode() == AblationMode::Zero ? 0 : 1);
    updateMarks();
    effectDirty_ = true;
    computeEffect();
}

void AblationView::showEvent(QShowEvent* event) {
    View::showEvent(event);
    computeEffect();
}

std::optional<int> AblationView::chosenToken(QString* error) const {
    const QString text = token_->text();
    if (!text.isEmpty()) return answerToken(*snapshot_->model, text, error);
    const Vector& logits = snapshot_->capture.logitsLast();  // [V]
    return topIndices({logits.data(), size_t(logits.size())}, 1).front();
}

// Before and after the ablated set, only while shown (both runs on a worker thread).
void AblationView::computeEffect() {
    if (effectDirty_ && isVisible()) startEffect();
}

void AblationView::startEffect() {
    effectDirty_ = false;
    if (!snapshot_ || !snapshot_->model || snapshot_->capture.T == 0) {
        effect_.reset();
        showEffect();
        return;
    }
    QString error;
    const std::optional<int> token = chosenToken(&error);
    if (!token) {
        numbers_->setText(error.toHtmlEscaped());
        return;
    }
    const Ablation ablation{session_->ablatedHeads(), {}, session_->ablationMode()};
    auto model = snapshot_->model;
    const std::vector<int> ids = snapshot_->ids();
    effectJob_->startAfterCurrent([this, model, ids, ablation, token](const JobControl&) {
        auto e = std::make_shared<AblationEffect>(ablationEffect(model, ids, ablation, *token));
        return BackgroundJob::Deliver([this, e] {
            effect_ = *e;
            showEffect();
        });
    });
}

void AblationView::showEffect() {
    if (!effect_ || !snapshot_ || !snapshot_->model) {
        before_->clear();
        after_->clear();
        numbers_->clear();
        return;
    }
    const Model& model = *snapshot_->model;
    const AblationEffect& e = *effect_;
    const auto show = [&](TokenBars* bars, const Vector& logits, const QString& title) {
        const TopTokens top =
            topTokens({logits.data(), size_t(logits.size())}, model.tokenizer.get(), kBars);
        bars->setBars(top.labels, top.probs, top.rankOf(e.token));
        bars->setTitle(title);
    };
    const bool none = session_->ablatedHeads().empty();
    show(before_, e.logitsBefore, tr("Before: the model as it is"));
    show(after_, e.logitsAfter,
         none ? tr("After: nothing ablated (Ctrl+click heads to ablate them)")
              : tr("After: %1 %2-ablated")
                    .arg(headList(session_->ablatedHeads()), mode_->currentText()));
    QString text =
        tr("Token %1: probability %2 · log-prob %3")
            .arg(describeToken(model, e.token).toHtmlEscaped(), change(e.probBefore, e.probAfter),
                 change(e.logProbBefore, e.logProbAfter));
    if (e.lossBefore && e.lossAfter)
        text +=
            tr(" · loss of the prompt text %1 nats/token").arg(change(*e.lossBefore, *e.lossAfter));
    numbers_->setText(text);
}

QString AblationView::numbersText() const {
    return numbers_->text();
}

void AblationView::setTokenText(const QString& text) {
    token_->setText(text);
    effectDirty_ = true;
    computeEffect();
}

void AblationView::startSweep(AblationMetric metric) {
    if (!snapshot_ || !snapshot_->model || snapshot_->capture.T == 0) return;
    QString error;
    const std::optional<int> token = chosenToken(&error);
    if (!token) {
        sweepStatus_->setText(error);
        return;
    }
    if (metric_->currentIndex() != int(metric)) metric_->setCurrentIndex(int(metric));
    auto model = snapshot_->model;
    const std::vector<int> ids = snapshot_->ids();
    const AblationMode mode = session_->ablationMode();
    sweepStatus_->setText(tr("sweeping…"));
    sweepJob_->start([this, model, ids, mode, token, metric](const JobControl& control) {
        QElapsedTimer clock;
        clock.start();
        auto grid = std::make_shared<std::vector<std::vector<double>>>(headAblationSweep(
            model, ids, mode, *token, metric,
            [&control](int done, int total) { return control.report(done, total); }));
        const qint64 ms = clock.elapsed();
        return BackgroundJob::Deliver([this, grid, metric, ms, mode] {
            showSweep(*grid, metric);
            sweepStatus_->setText(tr("%1 heads, each %2-ablated alone · %3 s")
                                      .arg(sweepMap_->rows() * sweepMap_->cols())
                                      .arg(QString(mode == AblationMode::Zero ? "zero" : "mean"))
                                      .arg(double(ms) / 1000, 0, 'f', 1));
        });
    });
}

void AblationView::cancelSweep() {
    sweepJob_->cancel();
}

bool AblationView::sweepRunning() const {
    return sweepJob_->running();
}

QString AblationView::sweepStatus() const {
    return sweepStatus_->text();
}

void AblationView::showSweep(const std::vector<std::vector<double>>& grid, AblationMetric metric) {
    sweep_ = grid;
    sweepMetric_ = metric;
    sweepMap_->setScaleLabel(QString::fromUtf8("Δ ") + metricName(metric));
    showLayerGrid(sweepMap_, grid);
    updateMarks();
}

void AblationView::updateMarks() {
    std::vector<CellMark> marks;
    if (!sweep_.empty())
        for (const HeadRef& h : session_->ablatedHeads())
            marks.push_back({h.layer, h.head, QString::fromUtf8("✕")});
    marks_->set(marks);
}

QString AblationView::metricName(AblationMetric metric) const {
    switch (metric) {
        case AblationMetric::LogProb:
            return tr("log-prob");
        case AblationMetric::Prob:
            return tr("prob");
        case AblationMetric::Loss:
            return tr("loss");
    }
    return {};
}

QString AblationView::csv() const {
    QString text = "layer,head,ablated";
    if (!sweep_.empty()) text += ",delta_" + metricName(sweepMetric_).replace('-', '_');
    text += "\n";
    const int L = snapshot_ && snapshot_->model ? snapshot_->model->config.n_layer : 0;
    const int H = snapshot_ && snapshot_->model ? snapshot_->model->config.n_head : 0;
    for (int l = 0; l < L; ++l)
        for (int h = 0; h < H; ++h) {
            text += QString("%1,%2,%3").arg(l).arg(h).arg(session_->isAblated(l, h) ? 1 : 0);
            if (size_t(l) < sweep_.size())
                text += "," + QString::number(sweep_[size_t(l)][size_t(h)], 'g', 8);
            text += "\n";
        }
    return text;
}

void AblationView::restyle() {
    before_->restyle();
    after_->restyle();
    sweepMap_->restyle();
    marks_->restyle();
}

void AblationView::waitUntilReady() {
    if (effectDirty_) startEffect();  // even while hidden: a test or screenshot waits for it
    effectJob_->wait();
    sweepJob_->wait();
}

QString AblationView::setOption(const QString& key, const QString& value) {
    if (key == "heads") {
        try {
            std::vector<HeadRef> heads = parseHeadList(value.toStdString());
            if (snapshot_ && snapshot_->model)
                checkAblation(snapshot_->model->config, {heads, {}, AblationMode::Zero});
            session_->setAblatedHeads(heads);
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
        return {};
    }
    if (key == "mode") {
        if (value != "zero" && value != "mean") return "mode must be zero or mean";
        session_->setAblationMode(value == "zero" ? AblationMode::Zero : AblationMode::Mean);
        return {};
    }
    if (key == "token") {
        setTokenText(value);
        return {};
    }
    if (key == "sweep") {
        const QStringList names = {"logprob", "prob", "loss"};
        if (!names.contains(value)) return "sweep must be logprob, prob or loss";
        startSweep(AblationMetric(names.indexOf(value)));
        return {};
    }
    return View::setOption(key, value);
}

}  // namespace tscope::ui
