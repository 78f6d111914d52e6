// View 1, prompt & tokens: the prompt editor (Ctrl+Enter runs it) and the token sequence as
// chips — the piece of text with visible whitespace, its id, alternating colours, generated
// tokens set apart. Hovering a chip highlights its characters in the prompt and shows its bytes;
// clicking selects the position for every other view. It never tokenizes by itself: the chips
// are the Session's snapshot.
#pragma once

#include <QPair>
#include <QRect>

#include "ui/view.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QScrollArea;

namespace tscope::ui {

class ChipStrip;

class TokensView : public View {
    Q_OBJECT
  public:
    explicit TokensView(Session* session, QWidget* parent = nullptr);

    QString viewName() const override { return "tokens"; }
    QString title() const override { return "Tokens"; }
    QString csv() const override;
    void restyle() override;

    QPlainTextEdit* editor() const { return editor_; }
    QWidget* strip() const;
    int chipCount() const;
    QRect chipRect(int index) const;  // in strip() coordinates
    int hoveredToken() const { return hovered_; }
    QString hoverText() const;                 // the bytes line under the chips
    QPair<int, int> highlightedRange() const;  // [begin, end) in the editor; (-1, -1) if none
    QString statsText() const;                 // "4 tokens of 128 …"

  public slots:
    void runPrompt();            // sends the editor's text to the session
    void hoverToken(int index);  // -1 = none

  private:
    void rebuild();
    void syncEditor();
    void updateStats();
    void updateSelection();
    void setHighlight(int begin, int end);

    QPlainTextEdit* editor_ = nullptr;
    QPushButton* run_ = nullptr;
    QLabel* stats_ = nullptr;
    QLabel* tokenizerNote_ = nullptr;
    QLabel* hover_ = nullptr;
    QScrollArea* scroll_ = nullptr;
    ChipStrip* strip_ = nullptr;
    int hovered_ = -1;
    QPair<int, int> highlight_{-1, -1};
};

}  // namespace tscope::ui
