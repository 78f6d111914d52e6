// Two prompts side by side: the same word in two contexts ("catch fish by the river bank" /
// "put your money in the bank"). Pick any token of each prompt; the plot shows the cosine
// similarity of the two tokens' residual vectors at every layer (core/residual_similarity.h),
// and below, each prompt's attention from its token for one layer and head, side by side. The
// two prompts run on a worker thread; picking tokens, layer or head only redraws.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/capture.h"
#include "ui/view.h"

class QComboBox;
class QCPGraph;
class QCustomPlot;
class QLabel;
class QLineEdit;

namespace tscope::ui {

class BackgroundJob;
class TokenBars;

class CompareView : public View {
    Q_OBJECT
  public:
    CompareView(Session* session, QWidget* parent = nullptr);
    ~CompareView() override;

    QString viewName() const override { return "compare"; }
    QString title() const override { return tr("Two prompts"); }
    QString csv() const override;
    QList<QCustomPlot*> plots() const override;
    void restyle() override;
    void waitUntilReady() override;
    QString setOption(const QString& key, const QString& value) override;

    void setPrompts(const QString& a, const QString& b);  // runs both
    void pickTokens(int positionA, int positionB);
    void setLayerHead(int layer, int head);

    // Shown state, for tests.
    const std::vector<double>& cosines() const { return cosines_; }
    QCustomPlot* cosinePlot() const { return plot_; }
    TokenBars* attentionA() const { return attentionA_; }
    TokenBars* attentionB() const { return attentionB_; }
    int positionA() const;
    int positionB() const;
    QString message() const;

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    struct Side {
        QLineEdit* prompt;
        QComboBox* token;
        TokenBars* attention;
        Capture capture;
    };
    void runPrompts();
    void fillTokens(Side& side);
    void redraw();
    void drawAttention(const Side& side);
    void setupPlot();

    Side a_{}, b_{};
    std::vector<double> cosines_;  // [L + 1]
    bool dirty_ = true;

    QCustomPlot* plot_;
    QCPGraph* graph_;
    TokenBars* attentionA_;
    TokenBars* attentionB_;
    QComboBox* layer_;
    QComboBox* head_;
    QLabel* message_;
    BackgroundJob* job_;
};

}  // namespace tscope::ui
