#include "ui/output_view.h"

#include <qcustomplot.h>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QSlider>
#include <QSpinBox>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/sampling.h"
#include "core/tokenizer.h"
#include "ui/plot_style.h"
#include "ui/session.h"
#include "ui/token_text.h"

namespace tscope::ui {

namespace {

constexpr int kMaxBars = 100;
constexpr double kBarWidth = 0.72;
const char* const kHint =
    "Click a bar to force that token instead (what-if) · right-click the chart to export";

QLabel* caption(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

QString percent(double p) {
    if (p <= 0) return "0";
    if (p < 0.001) return QString::number(p * 100, 'g', 2) + "%";
    return QString::number(p * 100, 'f', p < 0.1 ? 2 : 1) + "%";
}

// Probability axis labelled in percent, like the labels at the bar ends.
class PercentTicker : public QCPAxisTicker {
  protected:
    QString getTickLabel(double tick, const QLocale&, QChar, int) override {
        return QString::number(tick * 100, 'g', 3) + "%";
    }
};

const Tokenizer* tokenizerOf(const Snapshot& snapshot) {
    return snapshot.model ? snapshot.model->tokenizer.get() : nullptr;
}

}  // namespace

OutputView::OutputView(Session* session, QWidget* parent) : View(session, parent) {
    setupControls();
    setupPlot();
    connect(session_, &Session::snapshotChanged, this, &OutputView::refresh);
    connect(session_, &Session::selectionChanged, this, &OutputView::refresh);
    connect(session_, &Session::samplingChanged, this, &OutputView::refresh);
    connect(&Presentation::instance(), &Presentation::changed, this, &OutputView::restyle);
    restyle();
}

void OutputView::setupControls() {
    temperatureSlider_ = new QSlider(Qt::Horizontal, this);
    temperatureSlider_->setRange(0, 200);  // hundredths: 0 … 2
    temperatureSlider_->setPageStep(10);
    temperatureSlider_->setMinimumWidth(160);
    temperatureSlider_->setMaximumWidth(360);
    temperatureSlider_->setToolTip(
        "Temperature: 0 = always the most likely token, 1 = the "
        "model's own distribution, above 1 = flatter");
    temperatureBox_ = new QDoubleSpinBox(this);
    temperatureBox_->setRange(0.0, 10.0);
    temperatureBox_->setDecimals(2);
    temperatureBox_->setSingleStep(0.05);
    temperatureBox_->setToolTip(temperatureSlider_->toolTip());
    topK_ = new QSpinBox(this);
    topK_->setRange(0, 50257);
    topK_->setSpecialValueText("off");
    topK_->setToolTip("Top-k: sample only among the k most likely tokens (0 = off)");
    topP_ = new QDoubleSpinBox(this);
    topP_->setRange(0.01, 1.0);
    topP_->setDecimals(2);
    topP_->setSingleStep(0.05);
    topP_->setToolTip(
        "Top-p (nucleus): sample only among the most likely tokens whose "
        "probabilities add up to p (1.00 = off)");
    barCountBox_ = new QSpinBox(this);
    barCountBox_->setRange(1, kMaxBars);
    barCountBox_->setValue(barCount_);
    barCountBox_->setToolTip("How many of the most likely tokens to show");

    connect(temperatureSlider_, &QSlider::valueChanged, this,
            [this](int v) { session_->setTemperature(v / 100.0); });
    connect(temperatureBox_, &QDoubleSpinBox::valueChanged, session_, &Session::setTemperature);
    connect(topK_, &QSpinBox::valueChanged, session_, &Session::setTopK);
    connect(topP_, &QDoubleSpinBox::valueChanged, session_, &Session::setTopP);
    connect(barCountBox_, &QSpinBox::valueChanged, this, &OutputView::setBarCount);
    fixedAxis_ = new QCheckBox("Axis 0–100 %", this);
    fixedAxis_->setToolTip(
        "Keep the probability axis at 0–100 % so that changing the temperature visibly "
        "flattens or sharpens the bars");
    connect(fixedAxis_, &QCheckBox::toggled, this, &OutputView::refresh);

    auto* controls = new QHBoxLayout;
    controls->setSpacing(8);
    controls->addWidget(new QLabel("Temperature", this));
    controls->addWidget(temperatureSlider_, 2);
    controls->addWidget(temperatureBox_);
    controls->addSpacing(16);
    controls->addWidget(new QLabel("Top-k", this));
    controls->addWidget(topK_);
    controls->addSpacing(16);
    controls->addWidget(new QLabel("Top-p", this));
    controls->addWidget(topP_);
    controls->addSpacing(16);
    controls->addWidget(new QLabel("Bars", this));
    controls->addWidget(barCountBox_);
    controls->addSpacing(16);
    controls->addWidget(fixedAxis_);
    controls->addStretch(1);

    stats_ = new QLabel(this);
    stats_->setTextFormat(Qt::RichText);
    note_ = caption(kHint, this);
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(60, 60);
    plot_->setObjectName("output");

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 10, 12, 8);
    layout->setSpacing(8);
    layout->addLayout(controls);
    layout->addWidget(stats_);
    layout->addWidget(plot_, 1);
    layout->addWidget(note_);
    syncControls();
}

void OutputView::setupPlot() {
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, "", QFont()));
    plot_->yAxis->setRangeReversed(true);  // rank 1 at the top
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
    plot_->yAxis->grid()->setVisible(false);
    plot_->yAxis->setTickLength(0, 0);
    plot_->yAxis->setSubTicks(false);
    plot_->xAxis->setLabel("probability");
    plot_->xAxis->setTicker(QSharedPointer<PercentTicker>::create());
    plot_->xAxis->setSubTicks(false);
    ghost_ = new QCPBars(plot_->yAxis, plot_->xAxis);
    bars_ = new QCPBars(plot_->yAxis, plot_->xAxis);
    highlight_ = new QCPBars(plot_->yAxis, plot_->xAxis);
    for (QCPBars* b : {ghost_, bars_, highlight_}) {
        b->setWidth(kBarWidth);
        b->setPen(Qt::NoPen);
        b->setAntialiased(true);
    }
    ghost_->setName("before top-k / top-p");
    bars_->setName("probability");
    highlight_->setName("next token");
    plot_->setCursor(Qt::PointingHandCursor);
    connect(plot_, &QCustomPlot::mousePress, this, &OutputView::onPress);
    connect(plot_, &QCustomPlot::mouseMove, this, &OutputView::onMove);
    installExportMenu(plot_, [this] { return csv(); });
}

void OutputView::restyle() {
    const Presentation& p = Presentation::instance();
    stylePlot(plot_);
    QColor ghost = p.muted();
    ghost.setAlpha(60);
    ghost_->setBrush(ghost);
    bars_->setBrush(p.series());
    highlight_->setBrush(p.accent());
    refresh();
}

void OutputView::syncControls() {
    const SamplingSettings s = session_->sampling();
    const QSignalBlocker a(temperatureSlider_), b(temperatureBox_), c(topK_), d(topP_);
    temperatureSlider_->setValue(int(std::lround(s.temperature * 100)));
    // a box being typed in keeps its text: rewriting "0" as "0.00" would eat the next keys
    if (!temperatureBox_->hasFocus()) temperatureBox_->setValue(s.temperature);
    if (!topK_->hasFocus()) topK_->setValue(s.topK);
    if (!topP_->hasFocus()) topP_->setValue(s.topP);
}

void OutputView::setBarCount(int k) {
    barCount_ = std::clamp(k, 1, kMaxBars);
    if (barCountBox_->value() != barCount_) barCountBox_->setValue(barCount_);
    refresh();
}

// The next-token logits after `position`: stored for the last one, computed for earlier ones.
Vector OutputView::logitsAt(const Snapshot& snapshot, int position) const {
    if (position < 0 || position >= snapshot.capture.T) return {};
    return snapshot.capture.logitsAt(position);
}

void OutputView::refresh() {
    syncControls();
    note_->setText(kHint);
    auto snapshot = session_->snapshot();
    if (!snapshot || snapshot->length() == 0) {
        showEmpty(snapshot ? "Run a prompt to see the next-token distribution"
                           : "Open a model to begin");
        return;
    }
    position_ = std::clamp(session_->selectedPosition(), 0, snapshot->length() - 1);
    const Vector logitsRow = logitsAt(*snapshot, position_);  // [V]
    const std::span<const float> logits(logitsRow.data(), size_t(logitsRow.size()));
    if (logits.empty()) {
        showEmpty("The logits of earlier positions were not captured");
        return;
    }
    if (rankedSnapshot_.lock() != snapshot || rankedPosition_ != position_) {
        ranking_ = topIndices(logits, kMaxBars);
        rankedSnapshot_ = snapshot;
        rankedPosition_ = position_;
    }
    // the token that followed this position: in the sequence, or the one undone by Back
    nextId_ = position_ + 1 < snapshot->length() ? snapshot->tokens[size_t(position_ + 1)].id
              : !snapshot->future.empty()        ? snapshot->future.front().id
                                                 : -1;

    const SamplingSettings settings = session_->sampling();
    const std::vector<float> probs = nextTokenDistribution(logits, settings);
    const bool filtering = settings.topK > 0 || settings.topP < 1.0f;
    const std::vector<float> unfiltered =
        filtering ? softmaxWithTemperature(logits, settings.temperature) : probs;
    entropy_ = tscope::entropyNats(probs);

    const int shown = std::min<int>(barCount_, int(ranking_.size()));
    ids_.assign(ranking_.begin(), ranking_.begin() + shown);
    probs_.clear();
    unfiltered_.clear();
    logits_.clear();
    for (int id : ids_) {
        probs_.push_back(probs[size_t(id)]);
        unfiltered_.push_back(filtering ? unfiltered[size_t(id)] : 0.0f);
        logits_.push_back(logits[size_t(id)]);
    }
    showBars(probs);
}

void OutputView::showBars(const std::vector<float>& probs) {
    const Presentation& p = Presentation::instance();
    auto snapshot = session_->snapshot();
    const Tokenizer* tokenizer = tokenizerOf(*snapshot);
    const int n = int(ids_.size());

    QVector<double> keys(n), values(n), ghostValues(n);
    auto ticker = qSharedPointerCast<QCPAxisTickerText>(plot_->yAxis->ticker());
    ticker->clear();
    double top = 0;
    for (int r = 0; r < n; ++r) {
        keys[r] = r + 1;
        values[r] = probs_[size_t(r)];
        ghostValues[r] = unfiltered_[size_t(r)];
        top = std::max({top, values[r], ghostValues[r]});
        QString label = tokenPiece(tokenizer, ids_[size_t(r)]);
        if (label.size() > 18) label = label.left(17) + QChar(0x2026);
        ticker->addTick(r + 1, label);
    }
    bars_->setData(keys, values, true);
    ghost_->setData(keys, ghostValues, true);
    ghost_->setVisible(unfiltered_.end() != std::find_if(unfiltered_.begin(), unfiltered_.end(),
                                                         [](float v) { return v > 0; }));
    highlight_->data()->clear();
    const auto at = std::find(ids_.begin(), ids_.end(), nextId_);
    if (at != ids_.end()) {
        const int r = int(at - ids_.begin());
        highlight_->addData(r + 1, values[r]);
    }

    // value labels at the end of each bar
    plot_->clearItems();
    for (int r = 0; r < n; ++r) {
        auto* text = new QCPItemText(plot_);
        text->position->setCoords(values[r], r + 1);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        text->setPadding(QMargins(int(5 * p.zoom()), 0, 0, 0));
        text->setText(percent(values[r]));
        text->setFont(p.font(8.5));
        text->setColor(ids_[size_t(r)] == nextId_ ? p.accent() : p.muted());
        text->setClipToAxisRect(false);
    }

    plot_->yAxis->setRange(0.4, std::max(n, 1) + 0.6);
    const double axisEnd = fixedAxis_->isChecked() ? 1.0 : std::max(top, 1e-6);
    plot_->xAxis->setRange(0, axisEnd * 1.16);  // room for the value labels
    const QString after = tokenPiece(tokenizer, snapshot->tokens[size_t(position_)].id);
    auto* title = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0));
    title->setText(QString("Next token after “%1” (position %2)").arg(after).arg(position_));

    // statistics line: entropy, how much top-k / top-p kept, where the next token ranks
    const int kept = int(std::count_if(probs.begin(), probs.end(), [](float v) { return v > 0; }));
    QString stats = QString("Entropy <b>%1</b> nats (%2 bits) · %3 of %4 tokens can be sampled")
                        .arg(entropy_, 0, 'f', 3)
                        .arg(entropy_ / std::log(2.0), 0, 'f', 2)
                        .arg(kept)
                        .arg(probs.size());
    if (nextId_ >= 0) {
        const TokenInfo* next = position_ + 1 < snapshot->length()
                                    ? &snapshot->tokens[size_t(position_ + 1)]
                                    : &snapshot->future.front();
        const QString how = !next->generated ? "the prompt continues with"
                            : next->forced   ? "forced"
                                             : "sampled";
        stats += QString(" · %1 <span style='color:%2'><b>“%3”</b></span> (p = %4)")
                     .arg(how, p.accent().name(), tokenPiece(tokenizer, nextId_).toHtmlEscaped(),
                          percent(probs[size_t(nextId_)]));
    }
    stats_->setText(stats);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void OutputView::showEmpty(const QString& message) {
    position_ = -1;
    nextId_ = -1;
    entropy_ = 0;
    ids_.clear();
    probs_.clear();
    unfiltered_.clear();
    logits_.clear();
    bars_->data()->clear();
    ghost_->data()->clear();
    highlight_->data()->clear();
    plot_->clearItems();
    qSharedPointerCast<QCPAxisTickerText>(plot_->yAxis->ticker())->clear();
    if (auto* title = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0)))
        title->setText(message);
    stats_->setText(QString());
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QPoint OutputView::barPixel(int rank) const {
    const double value = rank < int(probs_.size()) ? probs_[size_t(rank)] / 2 : 0;
    return QPoint(int(plot_->xAxis->coordToPixel(value)),
                  int(plot_->yAxis->coordToPixel(rank + 1)));
}

// The rank (from 0) of the bar row under a pixel: anywhere on the row, labels included.
int OutputView::rankAt(const QPointF& pixel) const {
    const QRect rect = plot_->axisRect()->rect();
    if (pixel.y() < rect.top() || pixel.y() > rect.bottom() || pixel.x() > rect.right()) return -1;
    const double key = plot_->yAxis->pixelToCoord(pixel.y());
    const int rank = int(std::lround(key)) - 1;
    if (rank < 0 || rank >= int(ids_.size()) || std::abs(key - (rank + 1)) > 0.5) return -1;
    return rank;
}

void OutputView::onPress(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    const int rank = rankAt(event->position());
    if (rank >= 0) force(ids_[size_t(rank)]);
}

void OutputView::onMove(QMouseEvent* event) {
    const int rank = rankAt(event->position());
    if (rank < 0) {
        QToolTip::hideText();
        return;
    }
    auto snapshot = session_->snapshot();
    const int id = ids_[size_t(rank)];
    QString text = QString("#%1 “%2” · id %3\np = %4 · logit %5")
                       .arg(rank + 1)
                       .arg(tokenPiece(tokenizerOf(*snapshot), id))
                       .arg(id)
                       .arg(double(probs_[size_t(rank)]), 0, 'g', 4)
                       .arg(double(logits_[size_t(rank)]), 0, 'f', 3);
    if (unfiltered_[size_t(rank)] > 0)
        text +=
            QString(" · before top-k/top-p %1").arg(double(unfiltered_[size_t(rank)]), 0, 'g', 4);
    text += "\nclick to force this token";
    QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

// What-if: continue with this token. After an earlier position, first go back there.
void OutputView::force(int id) {
    auto snapshot = session_->snapshot();
    if (!snapshot || position_ < 0) return;
    if (position_ == snapshot->length() - 1) {
        session_->forceToken(id);
    } else if (position_ + 1 >= snapshot->promptTokens) {
        session_->goToLength(position_ + 1);
        session_->forceToken(id);
    } else {
        note_->setText(
            "This position is inside the prompt: edit the prompt to change what "
            "follows it");
    }
}

QString OutputView::statsText() const {
    return stats_->text();
}

QString OutputView::csv() const {
    QString out = "rank,id,token,logit,probability,probability_before_top_k_top_p\n";
    auto snapshot = session_->snapshot();
    if (!snapshot) return out;
    const Tokenizer* tokenizer = tokenizerOf(*snapshot);
    for (size_t r = 0; r < ids_.size(); ++r) {
        QString piece = tokenizer
                            ? QString::fromStdString(sanitizeUtf8(tokenizer->tokenBytes(ids_[r])))
                            : QString();
        piece.replace('"', "\"\"");
        const float before = unfiltered_[r] > 0 ? unfiltered_[r] : probs_[r];
        out += QString("%1,%2,\"%3\",%4,%5,%6\n")
                   .arg(r + 1)
                   .arg(ids_[r])
                   .arg(piece)
                   .arg(double(logits_[r]), 0, 'g', 9)  // 9 digits round-trip a float
                   .arg(double(probs_[r]), 0, 'g', 9)
                   .arg(double(before), 0, 'g', 9);
    }
    return out;
}

}  // namespace tscope::ui
