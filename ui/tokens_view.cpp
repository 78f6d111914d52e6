#include "ui/tokens_view.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTextBlock>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>
#include <functional>

#include "core/tokenizer.h"
#include "ui/plot_style.h"
#include "ui/session.h"
#include "ui/token_text.h"

namespace tscope::ui {

// The token sequence as wrapped rows of chips, painted directly (fast at T = 1024).
class ChipStrip : public QWidget {
  public:
    struct Chip {
        QString piece, id;
        bool generated = false, forced = false;
    };

    explicit ChipStrip(QWidget* parent) : QWidget(parent) {
        setMouseTracking(true);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    }

    std::function<void(int)> onHover, onClick;

    void setChips(std::vector<Chip> chips) {
        chips_ = std::move(chips);
        relayout();
    }
    void setSelected(int index) {
        selected_ = index;
        update();
    }
    void setHovered(int index) {
        hovered_ = index;
        update();
    }
    int count() const { return int(chips_.size()); }
    QRect rectOf(int i) const { return rects_[size_t(i)].toAlignedRect(); }
    void relayout() {
        layoutFor(width());
        update();
    }

  protected:
    void resizeEvent(QResizeEvent*) override { layoutFor(width()); }

    void paintEvent(QPaintEvent* event) override {
        const Presentation& p = Presentation::instance();
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        const QFont pieceFont = font(), idFont = smallFont();
        for (size_t i = 0; i < chips_.size(); ++i) {
            const QRectF r = rects_[i];
            if (!r.intersects(event->rect())) continue;
            const Chip& chip = chips_[i];
            const int colour = int(i);
            painter.setPen(Qt::NoPen);
            painter.setBrush(chip.generated ? p.generatedTokenColor(colour) : p.tokenColor(colour));
            painter.drawRoundedRect(r, radius(), radius());
            drawOutline(painter, r, int(i), chip);
            const QRectF inner = r.adjusted(padX(), padY(), -padX(), -padY());
            painter.setPen(p.foreground());
            painter.setFont(pieceFont);
            painter.drawText(inner, Qt::AlignHCenter | Qt::AlignTop, chip.piece);
            painter.setPen(p.muted());
            painter.setFont(idFont);
            painter.drawText(inner, Qt::AlignHCenter | Qt::AlignBottom, chip.id);
        }
        if (generatedStart_ >= 0) {  // a bar between the prompt and what the model wrote
            const QRectF r = rects_[size_t(generatedStart_)];
            painter.setPen(QPen(p.accent(), 2.0 * p.zoom(), Qt::SolidLine, Qt::RoundCap));
            const double x = r.left() - gap() * 1.5;
            painter.drawLine(QPointF(x, r.top() + 2), QPointF(x, r.bottom() - 2));
        }
    }

    void mouseMoveEvent(QMouseEvent* event) override {
        const int index = chipAt(event->position());
        if (index != hovered_) {
            hovered_ = index;
            update();
            if (onHover) onHover(index);
        }
    }
    void leaveEvent(QEvent*) override {
        if (hovered_ < 0) return;
        hovered_ = -1;
        update();
        if (onHover) onHover(-1);
    }
    void mousePressEvent(QMouseEvent* event) override {
        const int index = chipAt(event->position());
        if (index >= 0 && event->button() == Qt::LeftButton && onClick) onClick(index);
    }

  private:
    double zoom() const { return Presentation::instance().zoom(); }
    double padX() const { return 7 * zoom(); }
    double padY() const { return 4 * zoom(); }
    double gap() const { return 4 * zoom(); }
    double radius() const { return 6 * zoom(); }
    QFont smallFont() const {
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 0.75);
        return f;
    }

    void drawOutline(QPainter& painter, const QRectF& r, int i, const Chip& chip) const {
        const Presentation& p = Presentation::instance();
        const double z = zoom();
        QPen pen(Qt::NoPen);
        if (i == selected_)
            pen = QPen(p.accent(), 2.2 * z);
        else if (i == hovered_)
            pen = QPen(p.series(), 1.6 * z);
        else if (chip.forced)
            pen = QPen(p.muted(), 1.2 * z, Qt::DashLine);
        if (pen.style() == Qt::NoPen) return;
        painter.setPen(pen);
        painter.setBrush(Qt::NoBrush);
        const double inset = pen.widthF() / 2;
        painter.drawRoundedRect(r.adjusted(inset, inset, -inset, -inset), radius(), radius());
    }

    int chipAt(QPointF at) const {
        for (size_t i = 0; i < rects_.size(); ++i)
            if (rects_[i].contains(at)) return int(i);
        return -1;
    }

    // Wraps the chips into rows of the given width; the height follows (scroll area).
    void layoutFor(int width) {
        const QFontMetricsF pieceMetrics(font()), idMetrics(smallFont());
        const double height = pieceMetrics.height() + idMetrics.height() + 2 * padY();
        const double margin = gap();
        double x = margin, y = margin;
        rects_.clear();
        generatedStart_ = -1;
        for (size_t i = 0; i < chips_.size(); ++i) {
            const Chip& chip = chips_[i];
            if (chip.generated && (i == 0 || !chips_[i - 1].generated)) {
                generatedStart_ = int(i);
                x += 3 * gap();
            }
            const double w = std::max(pieceMetrics.horizontalAdvance(chip.piece),
                                      idMetrics.horizontalAdvance(chip.id)) +
                             2 * padX();
            if (x + w > width - margin && x > margin) {
                x = margin + (generatedStart_ == int(i) ? 3 * gap() : 0);
                y += height + gap();
            }
            rects_.emplace_back(x, y, w, height);
            x += w + gap();
        }
        const int needed = int(std::ceil(y + height + margin));
        if (minimumHeight() != needed) setMinimumHeight(needed);
    }

    std::vector<Chip> chips_;
    std::vector<QRectF> rects_;
    int selected_ = -1, hovered_ = -1, generatedStart_ = -1;
};

namespace {

// Ctrl+Enter (or Cmd+Enter) in the editor runs the prompt instead of inserting a line break.
class RunOnCtrlEnter : public QObject {
  public:
    RunOnCtrlEnter(QObject* parent, std::function<void()> run) : QObject(parent), run_(run) {}

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::KeyPress) {
            auto* key = static_cast<QKeyEvent*>(event);
            const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
            if (enter && key->modifiers() & (Qt::ControlModifier | Qt::MetaModifier)) {
                run_();
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }

  private:
    std::function<void()> run_;
};

QLabel* mutedLabel(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

QString sourceOf(const TokenInfo& token) {
    return !token.generated ? "prompt"
           : token.forced   ? "forced"
           : token.greedy   ? "greedy"
                            : "sampled";
}

}  // namespace

TokensView::TokensView(Session* session, QWidget* parent) : View(session, parent) {
    editor_ = new QPlainTextEdit(this);
    editor_->setPlaceholderText("Type a prompt, then press Ctrl+Enter");
    editor_->setTabChangesFocus(true);
    editor_->installEventFilter(new RunOnCtrlEnter(editor_, [this] { runPrompt(); }));
    run_ = new QPushButton("Run", this);
    run_->setToolTip("Tokenize the prompt and run the model on it (Ctrl+Enter)");
    run_->setDefault(false);
    run_->setAutoDefault(false);
    connect(run_, &QPushButton::clicked, this, &TokensView::runPrompt);
    stats_ = mutedLabel(this);
    tokenizerNote_ = mutedLabel(this);
    hover_ = mutedLabel(this);
    hover_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    strip_ = new ChipStrip(this);
    strip_->onHover = [this](int i) { hoverToken(i); };
    strip_->onClick = [this](int i) { session_->selectPosition(i); };
    scroll_ = new QScrollArea(this);
    scroll_->setWidget(strip_);
    scroll_->setWidgetResizable(true);
    scroll_->setFrameShape(QFrame::NoFrame);
    scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll_->setBackgroundRole(QPalette::Base);

    auto* promptHeader = new QHBoxLayout;
    auto* promptTitle = new QLabel("<b>Prompt</b>", this);
    promptHeader->addWidget(promptTitle);
    promptHeader->addStretch();
    promptHeader->addWidget(run_);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 6, 0);
    leftLayout->addLayout(promptHeader);
    leftLayout->addWidget(editor_, 1);
    leftLayout->addWidget(stats_);

    auto* tokensHeader = new QHBoxLayout;
    tokensHeader->addWidget(new QLabel("<b>Tokens</b>", this));
    tokensHeader->addStretch();
    tokensHeader->addWidget(tokenizerNote_);
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(6, 0, 0, 0);
    rightLayout->addLayout(tokensHeader);
    rightLayout->addWidget(scroll_, 1);
    rightLayout->addWidget(hover_);

    auto* splitter = new QSplitter(Qt::Horizontal, this);

    splitter->setChildrenCollapsible(false);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 8);
    layout->addWidget(splitter);

    connect(session_, &Session::snapshotChanged, this, &TokensView::rebuild);
    connect(session_, &Session::selectionChanged, this, &TokensView::updateSelection);
    connect(&Presentation::instance(), &Presentation::changed, this, &TokensView::restyle);
    restyle();
    rebuild();
}

QWidget* TokensView::strip() const {
    return strip_;
}
int TokensView::chipCount() const {
    return strip_->count();
}
QRect TokensView::chipRect(int index) const {
    return strip_->rectOf(index);
}
QString TokensView::hoverText() const {
    return hover_->text();
}
QString TokensView::statsText() const {
    return stats_->text();
}
QPair<int, int> TokensView::highlightedRange() const {
    return highlight_;
}

void TokensView::runPrompt() {
    editor_->document()->setModified(false);
    session_->setPrompt(editor_->toPlainText());
    if (editor_->hasFocus()) setFocus(Qt::OtherFocusReason);  // leave the box: Space steps
}

void TokensView::restyle() {
    const Presentation& p = Presentation::instance();
    strip_->setFont(p.font(p.basePointSize() * 1.15));
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(p.basePointSize() * 1.1 * p.zoom());
    editor_->setFont(mono);
    strip_->relayout();
    setHighlight(highlight_.first, highlight_.second);
}

void TokensView::rebuild() {
    hovered_ = -1;
    syncEditor();
    std::vector<ChipStrip::Chip> chips;
    if (auto snapshot = session_->snapshot()) {
        const Tokenizer* tokenizer = snapshot->model ? snapshot->model->tokenizer.get() : nullptr;
        for (const TokenInfo& token : snapshot->tokens) {
            QString piece = tokenPiece(tokenizer, token.id);
            if (piece.size() > 24) piece = piece.left(23) + QChar(0x2026);
            chips.push_back({piece, QString::number(token.id), token.generated, token.forced});
        }
        tokenizerNote_->setText(snapshot->bundledTokenizer
                                    ? "bundled GPT-2 tokenizer (the model has none)"
                                : tokenizer ? ""
                                            : "no tokenizer: the prompt is token ids");
    }
    strip_->setChips(std::move(chips));
    updateSelection();
    updateStats();
    hoverToken(-1);
}

// Shows the session's prompt unless the user is in the middle of editing another one.
void TokensView::syncEditor() {
    if (editor_->document()->isModified() || editor_->toPlainText() == session_->prompt()) return;
    editor_->setPlainText(session_->prompt());
}

void TokensView::updateStats() {
    auto snapshot = session_->snapshot();
    if (!snapshot || !snapshot->model) {
        stats_->setText("No model loaded");
        return;
    }
    const int context = snapshot->model->config.n_positions;
    const int generated = snapshot->length() - snapshot->promptTokens;
    QString text = QString("%1 of %2 tokens in the context").arg(snapshot->length()).arg(context);
    if (generated > 0)
        text += QString(" · %1 prompt + %2 generated").arg(snapshot->promptTokens).arg(generated);
    if (snapshot->length() == 0) text = QString("No tokens yet · context %1").arg(context);
    stats_->setText(text);
}

void TokensView::updateSelection() {
    auto snapshot = session_->snapshot();
    strip_->setSelected(snapshot && snapshot->length() > 0 ? session_->selectedPosition() : -1);
}

void TokensView::hoverToken(int index) {
    auto snapshot = session_->snapshot();
    if (!snapshot || index < 0 || index >= snapshot->length()) {
        hovered_ = -1;
        strip_->setHovered(-1);
        hover_->setText("Hover a token to see its bytes · click it to select that position");
        setHighlight(-1, -1);
        return;
    }
    hovered_ = index;
    strip_->setHovered(index);
    const TokenInfo& token = snapshot->tokens[size_t(index)];
    const std::string_view text = snapshot->text;
    const std::string_view bytes =
        token.byteEnd <= text.size() ? text.substr(token.byteBegin, token.byteEnd - token.byteBegin)
                                     : std::string_view();
    const Tokenizer* tokenizer = snapshot->model ? snapshot->model->tokenizer.get() : nullptr;
    QString line = QString("position %1 · id %2 · “%3” · bytes %4")
                       .arg(index)
                       .arg(token.id)
                       .arg(tokenPiece(tokenizer, token.id), hexBytes(bytes));
    if (token.generated)
        line +=
            QString(" · %1 with p = %2").arg(sourceOf(token)).arg(double(token.prob), 0, 'g', 3);
    hover_->setText(line);

    // prompt tokens light up their characters, if the editor still shows that prompt
    const std::string prompt = editor_->toPlainText().toStdString();
    const bool sameText = text.substr(0, prompt.size()) == prompt;
    if (!token.generated && sameText && token.byteEnd <= prompt.size())
        setHighlight(utf16Index(prompt, token.byteBegin), utf16Index(prompt, token.byteEnd, true));
    else
        setHighlight(-1, -1);
}

void TokensView::setHighlight(int begin, int end) {
    highlight_ = {begin, end};
    QList<QTextEdit::ExtraSelection> selections;
    if (begin >= 0 && end > begin) {
        QTextEdit::ExtraSelection selection;
        selection.cursor = QTextCursor(editor_->document());
        selection.cursor.setPosition(begin);
        selection.cursor.setPosition(end, QTextCursor::KeepAnchor);
        QColor colour = Presentation::instance().accent();
        colour.setAlpha(110);
        selection.format.setBackground(colour);
        selections.append(selection);
    }
    editor_->setExtraSelections(selections);
}

QString TokensView::csv() const {
    QString out = "position,id,text,bytes,byte_begin,byte_end,source,probability\n";
    auto snapshot = session_->snapshot();
    if (!snapshot) return out;
    const Tokenizer* tokenizer = snapshot->model ? snapshot->model->tokenizer.get() : nullptr;
    for (int t = 0; t < snapshot->length(); ++t) {
        const TokenInfo& token = snapshot->tokens[size_t(t)];
        const std::string_view bytes =
            std::string_view(snapshot->text)
                .substr(token.byteBegin, token.byteEnd - token.byteBegin);
        QString piece = tokenizer ? QString::fromStdString(sanitizeUtf8(bytes)) : QString();
        piece.replace('"', "\"\"");
        out += QString("%1,%2,\"%3\",%4,%5,%6,%7,%8\n")
                   .arg(t)
                   .arg(token.id)
                   .arg(piece, hexBytes(bytes))
                   .arg(token.byteBegin)
                   .arg(token.byteEnd)
                   .arg(sourceOf(token))
                   .arg(token.generated ? QString::number(double(token.prob), 'g', 6) : QString());
    }
    return out;
}

}  // namespace tscope::ui
