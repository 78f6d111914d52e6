#include "ui/head_atlas_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/background_job.h"
#include "ui/cell_marks.h"
#include "ui/head_score_text.h"
#include "ui/heatmap.h"
#include "ui/plot_style.h"
#include "ui/session.h"

namespace tscope::ui {

namespace {

enum Column { kHeadColumn, kScoreColumn, kReportedColumn, kAblateColumn, kColumns };
constexpr uint64_t kProbeSeed = 0;  // as tscope-cli heads --repeated N --seed 0

// Sorts by the number in UserRole; null scores (NaN) sort after every number.
class NumberItem : public QTableWidgetItem {
  public:
    explicit NumberItem(double value)
        : QTableWidgetItem(std::isnan(value) ? QString::fromUtf8("—")
                                             : QString::number(value, 'f', 3)) {
        setData(Qt::UserRole, value);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override {
        const double a = data(Qt::UserRole).toDouble(), b = other.data(Qt::UserRole).toDouble();
        if (std::isnan(a) || std::isnan(b)) return !std::isnan(a) && std::isnan(b);
        return a < b;
    }
};

double maxFinite(const std::vector<std::vector<double>>& grid) {
    double top = 0;
    for (const auto& row : grid)
        for (double v : row)
            if (std::isfinite(v)) top = std::max(top, v);
    return top;
}

double valueOf(const HeadScores& scores, HeadScore score) {
    const auto v = scores[score];
    return v ? *v : std::nan("");
}

QString headName(int layer, int head) {
    return QString("%1.%2").arg(layer).arg(head);
}

}  // namespace

HeadAtlasView::HeadAtlasView(Session* session, QWidget* parent)
    : View(session, parent),
      promptJob_(new BackgroundJob(this)),
      probeJob_(new BackgroundJob(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);

    auto* bar = new QHBoxLayout;
    scoreBox_ = new QComboBox(this);
    for (int s = 0; s < kHeadScoreCount; ++s) {
        scoreBox_->addItem(headScoreLabel(HeadScore(s)));
        scoreBox_->setItemData(s, headScoreDefinition(HeadScore(s)), Qt::ToolTipRole);
    }
    sourceBox_ = new QComboBox(this);
    sourceBox_->addItems({tr("this prompt"), tr("repeated random probe")});
    sourceBox_->setToolTip(
        tr("The probe: <|endoftext|>, then N random token ids, then the same N again, "
           "averaged over the seeds"));
    probeN_ = new QSpinBox(this);
    probeN_->setRange(1, 512);
    probeN_->setValue(50);
    probeN_->setPrefix("N = ");
    probeSeeds_ = new QSpinBox(this);
    probeSeeds_->setRange(1, 16);
    probeSeeds_->setValue(4);
    probeSeeds_->setSuffix(tr(" seeds"));
    status_ = new QLabel(this);
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setVisible(false);
    bar->addWidget(new QLabel(tr("Score"), this));
    bar->addWidget(scoreBox_);
    bar->addSpacing(10);
    bar->addWidget(new QLabel(tr("on"), this));
    bar->addWidget(sourceBox_);
    bar->addWidget(probeN_);
    bar->addWidget(probeSeeds_);
    bar->addStretch(1);
    bar->addWidget(status_);
    bar->addWidget(cancel_);
    layout->addLayout(bar);
    definition_ = new QLabel(this);
    definition_->setWordWrap(true);
    layout->addWidget(definition_);

    heatmap_ = new Heatmap(this);
    heatmap_->setAxisTitles(tr("layer"), tr("head"));
    heatmap_->plot()->xAxis->setTickLabelRotation(0);  // "H0" … read level
    heatmap_->setTooltip([this](int r, int c) { return cellTooltip(r, c); });
    marks_ = std::make_unique<CellMarks>(heatmap_);
    table_ = new QTableWidget(0, kColumns, this);
    table_->setHorizontalHeaderLabels({tr("head"), tr("score"), tr("reported"), tr("ablate")});
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    auto* side = new QWidget(this);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    auto* hint = new QLabel(
        tr("Click a head: open it in Attention · Ctrl+click or tick “ablate”: ablate it"), side);
    hint->setWordWrap(true);
    sideLayout->addWidget(hint);
    sideLayout->addWidget(table_, 1);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(heatmap_);
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({800, 330});
    layout->addWidget(splitter, 1);

    connect(scoreBox_, &QComboBox::activated, this, [this](int s) { setScore(HeadScore(s)); });
    connect(sourceBox_, &QComboBox::activated, this, [this](int s) { setSource(Source(s)); });
    connect(probeN_, &QSpinBox::valueChanged, this,
            [this] { setProbe(probeN_->value(), probeSeeds_->value()); });
    connect(probeSeeds_, &QSpinBox::valueChanged, this,
            [this] { setProbe(probeN_->value(), probeSeeds_->value()); });
    connect(cancel_, &QPushButton::clicked, this, [this] {
        promptJob_->cancel();
        probeJob_->cancel();
    });
    for (BackgroundJob* job : {promptJob_, probeJob_}) {
        connect(job, &BackgroundJob::progress, this, [this](int done, int total) {
            status_->setText(tr("computing… %1 of %2").arg(done).arg(total));
        });
        connect(job, &BackgroundJob::failed, this, [this](const QString& message) {
            status_->setText(tr("failed: %1").arg(message));
        });
        connect(job, &BackgroundJob::cancelled, this, [this] {
            status_->setText(tr("cancelled"));
            cancel_->setVisible(false);
        });
        connect(job, &BackgroundJob::runningChanged, cancel_, &QWidget::setVisible);
    }
    connect(heatmap_, &Heatmap::cellClicked, this, &HeadAtlasView::onCellClicked);
    connect(table_, &QTableWidget::cellClicked, this, [this](int row, int) {
        const QPoint head = table_->item(row, kHeadColumn)->data(Qt::UserRole + 1).toPoint();
        session_->selectLayer(head.x());
        session_->selectHead(head.y());
    });
    connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        const QPoint head = table_->item(row, kHeadColumn)->data(Qt::UserRole + 1).toPoint();
        onCellClicked(head.x(), head.y());
    });
    connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (fillingTable_ || item->column() != kAblateColumn) return;
        const QPoint head =
            table_->item(item->row(), kHeadColumn)->data(Qt::UserRole + 1).toPoint();
        if (session_->isAblated(head.x(), head.y()) != (item->checkState() == Qt::Checked))
            session_->toggleAblation(head.x(), head.y());
    });
    connect(session_, &Session::snapshotChanged, this, &HeadAtlasView::onSnapshot);
    connect(session_, &Session::modelChanged, this, &HeadAtlasView::onModel);
    connect(session_, &Session::ablationChanged, this, &HeadAtlasView::redraw);
    connect(session_, &Session::selectionChanged, this, [this] {
        heatmap_->setHighlightedCell(session_->selectedLayer(), session_->selectedHead());
    });
    connect(&Presentation::instance(), &Presentation::changed, this, &HeadAtlasView::restyle);
    installExportMenu(heatmap_->plot(), [this] { return csv(); });
    setSource(Source::Prompt);
    restyle();
    onModel();
    onSnapshot();
}

HeadAtlasView::~HeadAtlasView() = default;

QList<QCustomPlot*> HeadAtlasView::plots() const {
    return {heatmap_->plot()};
}

void HeadAtlasView::onModel() {
    promptJob_->cancel();  // their results would describe the old model
    probeJob_->cancel();
    probeGrid_.reset();
    probeDirty_ = true;
    auto model = session_->model();
    reported_ = model ? reportedHeads(model->config) : std::vector<ReportedHead>{};
    compute();
}

void HeadAtlasView::onSnapshot() {
    snapshot_ = session_->snapshot();
    promptGrid_.reset();
    promptDirty_ = true;
    if (snapshot_ && snapshot_->model && snapshot_->model != session_->model()) onModel();
    compute();
}

void HeadAtlasView::showEvent(QShowEvent* event) {
    View::showEvent(event);
    compute();
}

// Only what is shown is computed, and only while the view is visible (or a test waits).
void HeadAtlasView::compute() {
    if (!isVisible()) {
        redraw();
        return;
    }
    if (source_ == Source::Prompt && promptDirty_) computePrompt();
    if (source_ == Source::Probe && probeDirty_) computeProbe();
    redraw();
}

void HeadAtlasView::computePrompt() {
    promptDirty_ = false;
    if (!snapshot_ || !snapshot_->model || snapshot_->capture.T == 0) return;
    status_->setText(tr("computing…"));
    auto snapshot = snapshot_;
    promptJob_->startAfterCurrent([this, snapshot](const JobControl&) -> BackgroundJob::Deliver {
        QElapsedTimer clock;
        clock.start();
        auto grid = std::make_shared<HeadScoreGrid>(headScoreGrid(snapshot->capture));
        const qint64 ms = clock.elapsed();
        return [this, grid, ms, T = snapshot->capture.T] {
            promptGrid_ = *grid;
            status_->setText(tr("%1 tokens · %2 ms").arg(T).arg(ms));
            redraw();
        };
    });
}

void HeadAtlasView::computeProbe() {
    probeDirty_ = false;
    auto model = session_->model();
    if (!model) return;
    status_->setText(tr("computing the probe…"));
    const int n = probeN_->value(), seeds = probeSeeds_->value();
    probeJob_->start([this, model, n, seeds](const JobControl& control) -> BackgroundJob::Deliver {
        QElapsedTimer clock;
        clock.start();
        std::vector<HeadScoreGrid> grids;
        for (int k = 0; k < seeds; ++k) {
            if (!control.report(k, seeds)) return {};
            grids.push_back(
                headScoreGrid(model, repeatedRandomIds(model->config, n, kProbeSeed + k)));
        }
        auto grid = std::make_shared<HeadScoreGrid>(averageGrids(grids));
        const qint64 ms = clock.elapsed();
        return [this, grid, ms, n, seeds] {
            probeGrid_ = *grid;
            status_->setText(
                tr("probe: 2 × %1 + 1 tokens, %2 seeds · %3 ms").arg(n).arg(seeds).arg(ms));
            redraw();
        };
    });
}

void HeadAtlasView::setScore(HeadScore score) {
    score_ = score;
    if (scoreBox_->currentIndex() != int(score)) scoreBox_->setCurrentIndex(int(score));
    definition_->setText(
        QString("<b>%1</b>: %2")
            .arg(headScoreLabel(score), headScoreDefinition(score).toHtmlEscaped()));
    heatmap_->setScaleLabel(headScoreLabel(score));
    redraw();
}

void HeadAtlasView::setSource(Source source) {
    source_ = source;
    if (sourceBox_->currentIndex() != int(source)) sourceBox_->setCurrentIndex(int(source));
    probeN_->setEnabled(source == Source::Probe);
    probeSeeds_->setEnabled(source == Source::Probe);
    setScore(score_);
    compute();
}

void HeadAtlasView::setProbe(int n, int seeds) {
    if (probeN_->value() != n) probeN_->setValue(n);
    if (probeSeeds_->value() != seeds) probeSeeds_->setValue(seeds);
    probeGrid_.reset();
    probeDirty_ = true;
    compute();
}

const HeadScoreGrid* HeadAtlasView::shownGrid() const {
    const auto& grid = source_ == Source::Prompt ? promptGrid_ : probeGrid_;
    return grid ? &*grid : nullptr;
}

QString HeadAtlasView::statusText() const {
    return status_->text();
}

void HeadAtlasView::redraw() {
    const HeadScoreGrid* grid = shownGrid();
    if (!grid || grid->layers == 0) {
        heatmap_->clear();
        marks_->set({});
        fillingTable_ = true;
        table_->setRowCount(0);
        fillingTable_ = false;
        return;
    }
    std::vector<std::vector<double>> values(size_t(grid->layers));  // [L][H]
    for (int l = 0; l < grid->layers; ++l)
        for (int h = 0; h < grid->heads; ++h)
            values[size_t(l)].push_back(valueOf(grid->at(l, h), score_));
    showLayerGrid(heatmap_, values);
    // from 0 (no attention mass, or no spread) to the strongest head, so weak roles still show
    heatmap_->setFixedRange(0, std::max(1e-3, maxFinite(values)));
    heatmap_->setHighlightedCell(session_->selectedLayer(), session_->selectedHead());
    updateMarks();
    fillTable(*grid);
}

void HeadAtlasView::updateMarks() {
    std::vector<CellMark> marks;
    const HeadScoreGrid* grid = shownGrid();
    if (!grid) return;
    for (int l = 0; l < grid->layers; ++l)
        for (int h = 0; h < grid->heads; ++h) {
            QString text = reportedRole(l, h).isEmpty() ? QString() : QString("R");
            if (session_->isAblated(l, h)) text += QString::fromUtf8("✕");
            if (!text.isEmpty()) marks.push_back({l, h, text});
        }
    marks_->set(marks);
}

void HeadAtlasView::fillTable(const HeadScoreGrid& grid) {
    fillingTable_ = true;
    const int sortColumn = table_->horizontalHeader()->sortIndicatorSection();
    const Qt::SortOrder order = table_->horizontalHeader()->sortIndicatorOrder();
    table_->setSortingEnabled(false);
    table_->setRowCount(grid.layers * grid.heads);
    int row = 0;
    for (int l = 0; l < grid.layers; ++l)
        for (int h = 0; h < grid.heads; ++h, ++row) {
            auto* head = new NumberItem(l * 1000 + h);  // sorts by layer, then head
            head->setText(headName(l, h));
            head->setData(Qt::UserRole + 1, QPoint(l, h));
            head->setData(Qt::UserRole, double(l * 1000 + h));
            table_->setItem(row, kHeadColumn, head);
            table_->setItem(row, kScoreColumn, new NumberItem(valueOf(grid.at(l, h), score_)));
            table_->setItem(row, kReportedColumn, new QTableWidgetItem(reportedRole(l, h)));
            auto* ablate = new QTableWidgetItem;
            ablate->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            ablate->setCheckState(session_->isAblated(l, h) ? Qt::Checked : Qt::Unchecked);
            table_->setItem(row, kAblateColumn, ablate);
        }
    table_->setSortingEnabled(true);
    // default: strongest heads first
    const bool sorted = table_->property("sortedOnce").toBool();
    table_->sortItems(sorted ? sortColumn : kScoreColumn, sorted ? order : Qt::DescendingOrder);
    table_->setProperty("sortedOnce", true);
    fillingTable_ = false;
}

QString HeadAtlasView::reportedRole(int layer, int head) const {
    QStringList roles;
    for (const ReportedHead& r : reported_)
        if (r.layer == layer && r.head == head) roles << QString::fromStdString(r.role);
    return roles.join(", ");
}

void HeadAtlasView::onCellClicked(int layer, int head) {
    if (heatmap_->clickModifiers() & Qt::ControlModifier && sender() == heatmap_) {
        session_->toggleAblation(layer, head);
        return;
    }
    session_->selectLayer(layer);
    session_->selectHead(head);
    emit openHeadRequested(layer, head);
}

QString HeadAtlasView::cellTooltip(int layer, int head) const {
    const HeadScoreGrid* grid = shownGrid();
    if (!grid) return {};
    const double v = valueOf(grid->at(layer, head), score_);
    QString text = QString("head %1 · %2 = %3")
                       .arg(headName(layer, head), headScoreLabel(score_),
                            std::isnan(v) ? tr("null (no row)") : QString::number(v, 'f', 4));
    if (const QString role = reportedRole(layer, head); !role.isEmpty())
        text += tr("\nreported in the literature: %1").arg(role);
    if (session_->isAblated(layer, head)) text += tr("\nablated");
    return text + tr("\nclick: open in Attention · Ctrl+click: ablate");
}

QString HeadAtlasView::csv() const {
    const HeadScoreGrid* grid = shownGrid();
    QString text = "layer,head";
    for (int s = 0; s < kHeadScoreCount; ++s) text += "," + headScoreLabel(HeadScore(s));
    text += ",reported,ablated\n";
    if (!grid) return text;
    for (int l = 0; l < grid->layers; ++l)
        for (int h = 0; h < grid->heads; ++h) {
            text += QString("%1,%2").arg(l).arg(h);
            for (int s = 0; s < kHeadScoreCount; ++s) {
                const double v = valueOf(grid->at(l, h), HeadScore(s));
                text += "," + (std::isnan(v) ? QString() : QString::number(v, 'g', 8));
            }
            text += "," + csvField(reportedRole(l, h)) + "," +
                    (session_->isAblated(l, h) ? "1" : "0") + "\n";
        }
    return text;
}

void HeadAtlasView::restyle() {
    heatmap_->restyle();
    marks_->restyle();
}

void HeadAtlasView::waitUntilReady() {
    if (source_ == Source::Prompt && promptDirty_) computePrompt();
    if (source_ == Source::Probe && probeDirty_) computeProbe();
    promptJob_->wait();
    probeJob_->wait();
}

QString HeadAtlasView::setOption(const QString& key, const QString& value) {
    if (key == "score") {
        for (int s = 0; s < kHeadScoreCount; ++s)
            if (headScoreLabel(HeadScore(s)) == value) {
                setScore(HeadScore(s));
                return {};
            }
        return "score must be one of prev_token, first_token, self, duplicate_token, "
               "induction, entropy";
    }
    if (key == "source") {
        if (value != "prompt" && value != "probe") return "source must be prompt or probe";
        setSource(value == "prompt" ? Source::Prompt : Source::Probe);
        return {};
    }
    if (key == "ablate") {
        try {
            session_->setAblatedHeads(parseHeadList(value.toStdString()));
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
        return {};
    }
    bool ok = false;
    const int number = value.toInt(&ok);
    if (key == "n" && ok && number >= 1) {
        setProbe(number, probeSeeds_->value());
        return {};
    }
    if (key == "seeds" && ok && number >= 1) {
        setProbe(probeN_->value(), number);
        return {};
    }
    return View::setOption(key, value);
}

}  // namespace tscope::ui
