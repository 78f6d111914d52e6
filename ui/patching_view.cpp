#include "ui/patching_view.h"

#include <qcustomplot.h>

#include <QElapsedTimer>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <cmath>
#include <mutex>

#include "ui/background_job.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/research_input.h"
#include "ui/session.h"
#include "ui/token_bars.h"

namespace tscope::ui {

namespace {

constexpr int kBars = 8;

QString tokensOf(const Model& model, const std::vector<int>& ids) {
    QStringList pieces;
    for (int id : ids) pieces << tokenLabel(model.tokenizer.get(), id);
    return pieces.join(" | ");
}

}  // namespace

// One patching experiment. The patcher is not thread-safe, so every use holds the mutex (a
// superseded grid job still running keeps it until its next progress report).
struct PatchingView::Run {
    std::mutex mutex;
    std::shared_ptr<const Model> model;
    std::vector<int> clean, corrupt;
    int right = 0, wrong = 0;
    std::unique_ptr<ActivationPatcher> patcher;
    TopTokens cleanTop, corruptTop;
};

PatchingView::PatchingView(Session* session, QWidget* parent)
    : View(session, parent), gridJob_(new BackgroundJob(this)), cellJob_(new BackgroundJob(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);

    clean_ = new QLineEdit(this);
    corrupt_ = new QLineEdit(this);
    right_ = new QLineEdit(this);
    wrong_ = new QLineEdit(this);
    for (QLineEdit* answer : {right_, wrong_}) {
        answer->setMaximumWidth(150);
        answer->setToolTip(tr("One token of text (mind the leading space) or #id"));
    }
    runButton_ = new QPushButton(tr("Patch every cell"), this);
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->setEnabled(false);
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(200);
    progress_->setVisible(false);
    auto* form = new QGridLayout;
    form->addWidget(new QLabel(tr("Clean"), this), 0, 0);
    form->addWidget(clean_, 0, 1);
    form->addWidget(new QLabel(tr("Right answer"), this), 0, 2);
    form->addWidget(right_, 0, 3);
    form->addWidget(runButton_, 0, 4);
    form->addWidget(new QLabel(tr("Corrupted"), this), 1, 0);
    form->addWidget(corrupt_, 1, 1);
    form->addWidget(new QLabel(tr("Wrong answer"), this), 1, 2);
    form->addWidget(wrong_, 1, 3);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(cancelButton_);
    runRow->addWidget(progress_);
    form->addLayout(runRow, 1, 4);
    form->setColumnStretch(1, 1);
    layout->addLayout(form);
    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(message_);

    residualMap_ = new Heatmap(this);
    headMap_ = new Heatmap(this);
    residualMap_->setAxisTitles(tr("block (residual entering it)"), tr("position"));
    headMap_->setAxisTitles(tr("layer"), tr("head"));
    headMap_->plot()->xAxis->setTickLabelRotation(0);
    for (Heatmap* map : {residualMap_, headMap_}) {
        map->setDiverging(true);
        map->setFixedRange(-1, 1);  // 1 = the clean answer back, 0 = as corrupted
        map->setScaleLabel(tr("recovery"));
    }
    residualMap_->setTooltip(
        [this](int l, int p) { return cellTooltip(residualMap_, PatchTarget::Residual, l, p); });
    headMap_->setTooltip(
        [this](int l, int h) { return cellTooltip(headMap_, PatchTarget::Heads, l, h); });
    cleanBars_ = new TokenBars(this);
    corruptBars_ = new TokenBars(this);
    patchedBars_ = new TokenBars(this);
    for (TokenBars* bars : {cleanBars_, corruptBars_, patchedBars_})
        bars->setValueLabel(tr("probability"));
    patchedBars_->setTitle(tr("Click a cell: that patched run's top tokens"));
    auto* barsRow = new QWidget(this);
    auto* barsLayout = new QVBoxLayout(barsRow);
    barsLayout->setContentsMargins(0, 0, 0, 0);
    barsLayout->addWidget(cleanBars_);
    barsLayout->addWidget(corruptBars_);
    barsLayout->addWidget(patchedBars_);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(residualMap_);
    splitter->addWidget(headMap_);
    splitter->addWidget(barsRow);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setStretchFactor(2, 2);
    splitter->setSizes({520, 360, 320});
    layout->addWidget(splitter, 1);

    connect(runButton_, &QPushButton::clicked, this, &PatchingView::run);
    for (QLineEdit* edit : {clean_, corrupt_, right_, wrong_})
        connect(edit, &QLineEdit::returnPressed, this, &PatchingView::run);
    connect(cancelButton_, &QPushButton::clicked, this, &PatchingView::cancel);
    connect(residualMap_, &Heatmap::cellClicked, this,
            [this](int l, int p) { showCell(PatchTarget::Residual, l, p); });
    connect(headMap_, &Heatmap::cellClicked, this,
            [this](int l, int h) { showCell(PatchTarget::Heads, l, h); });
    showProgress(gridJob_, progress_, runButton_, cancelButton_);
    connect(gridJob_, &BackgroundJob::cancelled, this,
            [this] { setMessage(tr("Patching cancelled")); });
    for (BackgroundJob* job : {gridJob_, cellJob_})
        connect(job, &BackgroundJob::failed, this, &PatchingView::setMessage);
    connect(session_, &Session::modelChanged, this, [this] {
        cancel();
        run_.reset();
        residual_.reset();
        heads_.reset();
        residualMap_->clear();
        headMap_->clear();
        setMessage(tr("Press “Patch every cell” to run the two prompts"));
    });
    connect(&Presentation::instance(), &Presentation::changed, this, &PatchingView::restyle);
    installExportMenu(residualMap_->plot(), [this] { return csv(); });
    installExportMenu(headMap_->plot(), [this] { return csv(); });
    setInputs("When Mary and John went to the store, John gave a drink to",
              "When Mary and John went to the store, Mary gave a drink to", " Mary", " John");
    setMessage(tr("Two prompts of the same token length; press “Patch every cell” (or Enter)"));
    restyle();
}

PatchingView::~PatchingView() = default;

QList<QCustomPlot*> PatchingView::plots() const {
    return {residualMap_->plot(), headMap_->plot(), cleanBars_->plot(), corruptBars_->plot(),
            patchedBars_->plot()};
}

void PatchingView::setInputs(const QString& clean, const QString& corrupt, const QString& right,
                             const QString& wrong) {
    clean_->setText(clean);
    corrupt_->setText(corrupt);
    right_->setText(right);
    wrong_->setText(wrong);
}

void PatchingView::setMessage(const QString& text) {
    message_->setText(text);
}

QString PatchingView::message() const {
    return message_->text();
}

bool PatchingView::running() const {
    return gridJob_->running();
}

void PatchingView::run() {
    auto model = session_->model();
    if (!model) return setMessage(tr("Open a model first"));
    QString error;
    auto clean = promptIds(*model, clean_->text(), &error);
    auto corrupt = clean ? promptIds(*model, corrupt_->text(), &error) : std::nullopt;
    auto right = corrupt ? answerToken(*model, right_->text(), &error) : std::nullopt;
    auto wrong = right ? answerToken(*model, wrong_->text(), &error) : std::nullopt;
    if (!wrong) return setMessage(error);
    if (clean->size() != corrupt->size())
        return setMessage(tr("The clean prompt is %1 tokens and the corrupted one %2: patching "
                             "needs prompts of the same token length.\nclean: %3\ncorrupted: %4")
                              .arg(clean->size())
                              .arg(corrupt->size())
                              .arg(tokensOf(*model, *clean), tokensOf(*model, *corrupt)));
    auto run = std::make_shared<Run>();
    run->model = model;
    run->clean = *clean;
    run->corrupt = *corrupt;
    run->right = *right;
    run->wrong = *wrong;
    run_ = run;
    tokenLabels_.clear();
    for (size_t t = 0; t < clean->size(); ++t) {
        QString label = tokenLabel(model->tokenizer.get(), (*clean)[t]);
        if ((*clean)[t] != (*corrupt)[t])
            label += "/" + tokenLabel(model->tokenizer.get(), (*corrupt)[t]);
        tokenLabels_ << label;
    }
    cellJob_->cancel();
    setMessage(tr("Patching %1 tokens…").arg(clean->size()));
    gridJob_->start([this, run](const JobControl& control) {
        std::lock_guard lock(run->mutex);
        QElapsedTimer clock;
        clock.start();
        run->patcher = std::make_unique<ActivationPatcher>(run->model, run->clean, run->corrupt);
        const Vector& c = run->patcher->cleanLogits();
        const Vector& k = run->patcher->corruptLogits();
        run->cleanTop = topTokens({c.data(), size_t(c.size())}, run->model->tokenizer.get(), kBars);
        run->corruptTop =
            topTokens({k.data(), size_t(k.size())}, run->model->tokenizer.get(), kBars);
        const int L = run->model->config.n_layer, T = int(run->clean.size());
        const int total = L * T + L * run->model->config.n_head;
        auto residual = std::make_shared<PatchGrid>(
            run->patcher->grid(PatchTarget::Residual, run->right, run->wrong,
                               [&](int done, int) { return control.report(done, total); }));
        auto heads = std::make_shared<PatchGrid>(
            run->patcher->grid(PatchTarget::Heads, run->right, run->wrong,
                               [&](int done, int) { return control.report(L * T + done, total); }));
        const qint64 ms = clock.elapsed();
        return BackgroundJob::Deliver([this, run, residual, heads, ms] {
            residual_ = *residual;
            heads_ = *heads;
            showLayerGrid(residualMap_, residual->recovery, tokenLabels_);
            showLayerGrid(headMap_, heads->recovery);
            showRunBars();
            setMessage(tr("ld = logit[%1] − logit[%2]: clean %3, corrupted %4 · %5 tokens, first "
                          "difference at position %6 · %7 cells in %8 s")
                           .arg(describeToken(*run->model, run->right),
                                describeToken(*run->model, run->wrong))
                           .arg(residual->ldClean, 0, 'f', 3)
                           .arg(residual->ldCorrupt, 0, 'f', 3)
                           .arg(run->clean.size())
                           .arg(run->patcher->firstDifference())
                           .arg(residualMap_->rows() * (residualMap_->cols() + headMap_->cols()))
                           .arg(double(ms) / 1000, 0, 'f', 1));
        });
    });
}

void PatchingView::cancel() {
    gridJob_->cancel();
    cellJob_->cancel();
}

void PatchingView::showRunBars() {
    if (!run_) return;
    const auto show = [this](TokenBars* bars, const TopTokens& top, const QString& title) {
        bars->setBars(top.labels, top.probs, top.rankOf(run_->right));
        bars->setTitle(title);
    };
    show(cleanBars_, run_->cleanTop, tr("Clean run"));
    show(corruptBars_, run_->corruptTop, tr("Corrupted run"));
}

void PatchingView::showCell(PatchTarget what, int layer, int index) {
    auto run = run_;
    if (!run || !residual_) return;
    Heatmap* map = what == PatchTarget::Residual ? residualMap_ : headMap_;
    map->setHighlightedCell(layer, index);
    (what == PatchTarget::Residual ? headMap_ : residualMap_)->setHighlightedCell(-1, -1);
    const QString title =
        what == PatchTarget::Residual
            ? tr("Patched: residual into block %1 at %2").arg(layer).arg(tokenLabels_.value(index))
            : tr("Patched: head %1.%2").arg(layer).arg(index);
    cellJob_->start([this, run, what, layer, index, title](const JobControl&) {
        std::lock_guard lock(run->mutex);
        const Vector logits = run->patcher->patchedLogits(what, layer, index);  // [V]
        auto top = std::make_shared<TopTokens>(
            topTokens({logits.data(), size_t(logits.size())}, run->model->tokenizer.get(), kBars));
        return BackgroundJob::Deliver([this, top, title, run] {
            patchedBars_->setBars(top->labels, top->probs, top->rankOf(run->right));
            patchedBars_->setTitle(title);
        });
    });
}

QString PatchingView::cellTooltip(const Heatmap* map, PatchTarget what, int layer,
                                  int index) const {
    const auto& grid = what == PatchTarget::Residual ? residual_ : heads_;
    if (!grid) return {};
    const QString cell = what == PatchTarget::Residual
                             ? tr("residual into block %1 at position %2 %3")
                                   .arg(layer)
                                   .arg(index)
                                   .arg(tokenLabels_.value(index))
                             : tr("head %1.%2").arg(layer).arg(index);
    return tr("%1\nrecovery %2 · ld %3\nclick: top tokens of this patched run")
        .arg(cell)
        .arg(double(map->value(layer, index)), 0, 'f', 4)
        .arg(grid->ld[size_t(layer)][size_t(index)], 0, 'f', 4);
}

QString PatchingView::csv() const {
    QString text = "what,layer,index,recovery,ld\n";
    for (const auto* grid : {&residual_, &heads_}) {
        if (!*grid) continue;
        const QString what = (*grid)->what == PatchTarget::Residual ? "resid" : "heads";
        for (size_t l = 0; l < (*grid)->recovery.size(); ++l)
            for (size_t i = 0; i < (*grid)->recovery[l].size(); ++i)
                text += QString("%1,%2,%3,%4,%5\n")
                            .arg(what)
                            .arg(l)
                            .arg(i)
                            .arg((*grid)->recovery[l][i], 0, 'g', 8)
                            .arg((*grid)->ld[l][i], 0, 'g', 8);
    }
    return text;
}

void PatchingView::restyle() {
    residualMap_->restyle();
    headMap_->restyle();
    for (TokenBars* bars : {cleanBars_, corruptBars_, patchedBars_}) bars->restyle();
}

void PatchingView::waitUntilReady() {
    gridJob_->wait();
    cellJob_->wait();
}

QString PatchingView::setOption(const QString& key, const QString& value) {
    QLineEdit* edit = key == "clean"     ? clean_
                      : key == "corrupt" ? corrupt_
                      : key == "right"   ? right_
                      : key == "wrong"   ? wrong_
                                         : nullptr;
    if (edit) {
        edit->setText(value);
        return {};
    }
    if (key == "run") {
        run();
        return {};
    }
    if (key == "cell") {  // "resid:L:P" or "heads:L:H"
        const QStringList parts = value.split(':');
        bool ok1 = false, ok2 = false;
        const int layer = parts.value(1).toInt(&ok1), index = parts.value(2).toInt(&ok2);
        if (parts.size() != 3 || !ok1 || !ok2 || (parts[0] != "resid" && parts[0] != "heads"))
            return "cell must be resid:LAYER:POSITION or heads:LAYER:HEAD";
        waitUntilReady();
        showCell(parts[0] == "resid" ? PatchTarget::Residual : PatchTarget::Heads, layer, index);
        return {};
    }
    return View::setOption(key, value);
}

}  // namespace tscope::ui
