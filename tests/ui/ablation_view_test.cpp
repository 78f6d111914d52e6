// Ablation panel on the fixture model: nothing ablated shows the same distribution twice;
// ablating a head changes the "after" bars to core's ablated run and marks the head; the mode
// switch gives core's mean-ablation; the sweep's map is core's sweep; a cancelled sweep shows
// nothing; a token that is two tokens gives a message.
#include <qcustomplot.h>

#include <QtTest>
#include <cmath>

#include "core/ablation.h"
#include "ui/ablation_view.h"
#include "ui/attention_grid.h"
#include "ui/attention_view.h"
#include "ui/cell_marks.h"
#include "ui/heatmap.h"
#include "ui/token_bars.h"
#include "ui_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

class AblationViewTest : public QObject {
    Q_OBJECT
  private:
    std::unique_ptr<Session> session_;
    std::unique_ptr<AblationView> view_;

    std::vector<int> ids() const { return session_->snapshot()->ids(); }
    int topToken() const {
        const Vector& logits = session_->snapshot()->capture.logitsLast();
        Eigen::Index best = 0;
        logits.maxCoeff(&best);
        return int(best);
    }

  private slots:
    void init() {
        session_ = std::make_unique<Session>();
        QVERIFY(openFixture(*session_, kPromptC));
        view_ = std::make_unique<AblationView>(session_.get());
        view_->resize(1100, 800);
        view_->show();
        view_->waitUntilReady();
    }
    void cleanup() {
        view_.reset();
        session_.reset();
    }

    void nothingAblatedShowsTheSameDistributionTwice() {
        QVERIFY(view_->effect());
        QCOMPARE(view_->effect()->token, topToken());
        QCOMPARE(view_->beforeBars()->values(), view_->afterBars()->values());
        QCOMPARE(view_->beforeBars()->accent(), 0);  // the top token is the followed one
        QVERIFY(view_->numbersText().contains("(+0)"));
    }

    void ablatingAHeadChangesTheDistributionAndMarksIt() {
        AttentionView attention(session_.get());
        session_->toggleAblation(0, 1);
        view_->waitUntilReady();
        const AblationEffect want = ablationEffect(session_->model(), ids(),
                                                   {{{0, 1}}, {}, AblationMode::Zero}, topToken());
        QVERIFY(std::abs(view_->effect()->probAfter - want.probAfter) < 1e-9);
        QVERIFY(std::abs(view_->effect()->lossAfter.value() - want.lossAfter.value()) < 1e-9);
        QVERIFY(view_->beforeBars()->values() != view_->afterBars()->values());
        const TopTokens after =
            topTokens({want.logitsAfter.data(), size_t(want.logitsAfter.size())},
                      session_->model()->tokenizer.get(), 10);
        QCOMPARE(view_->afterBars()->labels(), after.labels);
        QVERIFY(std::abs(view_->afterBars()->values()[0] - after.probs[0]) < 1e-9);
        QVERIFY(view_->numbersText().contains(QString::number(want.probAfter, 'g', 4)));
        QVERIFY(view_->numbersText().contains("loss"));
        QCOMPARE(attention.grid()->crossedOut(), (std::vector<std::pair<int, int>>{{0, 1}}));
        QVERIFY(view_->afterBars()->title().contains("0.1"));

        session_->setAblationMode(AblationMode::Mean);
        view_->waitUntilReady();
        const AblationEffect mean = ablationEffect(session_->model(), ids(),
                                                   {{{0, 1}}, {}, AblationMode::Mean}, topToken());
        QVERIFY(std::abs(view_->effect()->logProbAfter - mean.logProbAfter) < 1e-9);
        QVERIFY(std::abs(mean.logProbAfter - want.logProbAfter) > 1e-6);
    }

    void sweepIsCoresSweepAndMarksTheAblatedHeads() {
        session_->toggleAblation(1, 2);
        view_->startSweep(AblationMetric::LogProb);
        QVERIFY(view_->sweepRunning());
        view_->waitUntilReady();
        QVERIFY(!view_->sweepRunning());
        const auto want = headAblationSweep(session_->model(), ids(), AblationMode::Zero,
                                            topToken(), AblationMetric::LogProb);
        Heatmap* map = view_->sweepMap();
        QCOMPARE(map->rows(), 2);
        QCOMPARE(map->cols(), 4);
        for (int l = 0; l < 2; ++l)
            for (int h = 0; h < 4; ++h)
                QVERIFY(std::abs(double(map->value(l, h)) - want[size_t(l)][size_t(h)]) < 1e-5);
        QCOMPARE(view_->sweepMarks().marks().size(), size_t(1));
        QCOMPARE(view_->sweepMarks().marks()[0].row, 1);
        QCOMPARE(view_->sweepMarks().marks()[0].col, 2);
        QVERIFY(view_->sweepStatus().contains("8 heads"));
        QVERIFY(view_->csv().contains("delta_log_prob"));
    }

    void cancelledSweepShowsNothing() {
        view_->startSweep(AblationMetric::Loss);
        view_->cancelSweep();
        QVERIFY(!view_->sweepRunning());
        view_->waitUntilReady();
        QCOMPARE(view_->sweepMap()->rows(), 0);
        QVERIFY(view_->sweepStatus().contains("cancelled"));
    }

    void aTokenOfTwoTokensGivesAMessage() {
        view_->setTokenText("hello world");
        view_->waitUntilReady();
        QVERIFY(view_->numbersText().contains("2 tokens"));
        view_->setTokenText("#262");
        view_->waitUntilReady();
        QCOMPARE(view_->effect()->token, 262);
    }
};

QTEST_MAIN(AblationViewTest)
#include "ablation_view_test.moc"
