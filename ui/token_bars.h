// A small horizontal bar chart with a title and one text label per bar (rank 1 on top): the
// before/after distributions of the ablation panel, a patched run's top tokens and each
// prompt's attention from a token. One bar can be drawn in the accent colour.
#pragma once

#include <QStringList>
#include <QWidget>
#include <span>
#include <vector>

class QCPBars;
class QCPTextElement;
class QCustomPlot;

namespace tscope {
class Tokenizer;
}

namespace tscope::ui {

class TokenBars : public QWidget {
    Q_OBJECT
  public:
    explicit TokenBars(QWidget* parent = nullptr);

    QCustomPlot* plot() const { return plot_; }
    void setTitle(const QString& title);
    QString title() const;
    void setValueLabel(const QString& label);
    void setFixedMaximum(double max) { fixedMax_ = max; }  // 0 = fit the values
    void setBars(const QStringList& labels, const std::vector<double>& values, int accent = -1);
    void clear() { setBars({}, {}); }
    const QStringList& labels() const { return labels_; }
    const std::vector<double>& values() const { return values_; }
    int accent() const { return accent_; }
    QString csv() const;  // label,value per bar
    void restyle();

    QSize minimumSizeHint() const override { return {160, 120}; }

  private:
    void redraw();

    QCustomPlot* plot_;
    QCPTextElement* title_;
    QCPBars* bars_;
    QCPBars* accentBar_;
    QStringList labels_;
    std::vector<double> values_;
    int accent_ = -1;
    double fixedMax_ = 0;
};

// The k most likely next tokens of logits [V]: labels "' Paris'" and softmax probabilities.
struct TopTokens {
    std::vector<int> ids;
    QStringList labels;
    std::vector<double> probs;
    int rankOf(int id) const;  // −1 when not among them
};
TopTokens topTokens(std::span<const float> logits, const Tokenizer* tokenizer, int k);

}  // namespace tscope::ui
