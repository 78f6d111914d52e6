// Patching panel on the fixture model: two prompts that differ in one token recover exactly 1
// at (block 0, that position) and 0 at every other position of block 0; the maps hold core's
// grids; clicking a cell shows that patched run's top tokens; prompts of different lengths and
// a two-token answer give clear messages; cancel stops a run.
#include <qcustomplot.h>

#include <QtTest>
#include <cmath>

#include "core/patching.h"
#include "ui/heatmap.h"
#include "ui/patching_view.h"
#include "ui/token_bars.h"
#include "ui_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

namespace {

const QString kClean = "The cat sat on the mat and the cat";
const QString kCorrupt = "The dog sat on the mat and the cat";

std::vector<int> idsOf(const Model& model, const QString& text) {
    return model.tokenizer->encodeIds(text.toStdString());
}

}  // namespace

class PatchingViewTest : public QObject {
    Q_OBJECT
  private:
    std::unique_ptr<Session> session_;
    std::unique_ptr<PatchingView> view_;

  private slots:
    void init() {
        session_ = std::make_unique<Session>();
        QVERIFY(openFixture(*session_));
        view_ = std::make_unique<PatchingView>(session_.get());
        view_->resize(1200, 700);
        view_->show();
    }
    void cleanup() {
        view_.reset();
        session_.reset();
    }

    void oneTokenDifferenceRecoversAtThatPositionOnly() {
        view_->setInputs(kClean, kCorrupt, " sat", " mat");
        view_->run();
        view_->waitUntilReady();
        Heatmap* resid = view_->residualMap();
        const int T = int(idsOf(*session_->model(), kClean).size());
        QCOMPARE(resid->rows(), 2);
        QCOMPARE(resid->cols(), T);
        QVERIFY2(std::abs(resid->value(0, 1) - 1.0f) < 1e-4, qPrintable(view_->message()));
        for (int p = 0; p < T; ++p)
            if (p != 1) QVERIFY(std::abs(resid->value(0, p)) < 1e-4);
        // against core
        ActivationPatcher patcher(session_->model(), idsOf(*session_->model(), kClean),
                                  idsOf(*session_->model(), kCorrupt));
        const int right = idsOf(*session_->model(), " sat")[0];
        const int wrong = idsOf(*session_->model(), " mat")[0];
        const PatchGrid heads = patcher.grid(PatchTarget::Heads, right, wrong);
        QCOMPARE(view_->headMap()->rows(), 2);
        QCOMPARE(view_->headMap()->cols(), 4);
        for (int l = 0; l < 2; ++l)
            for (int h = 0; h < 4; ++h)
                QVERIFY(std::abs(double(view_->headMap()->value(l, h)) -
                                 heads.recovery[size_t(l)][size_t(h)]) < 1e-5);
        QVERIFY(view_->message().contains("first difference at position 1"));
        QVERIFY(view_->csv().contains("resid,0,1,1"));
    }

    void clickingACellShowsThatPatchedRunsTopTokens() {
        view_->setInputs(kClean, kCorrupt, " sat", " mat");
        view_->run();
        view_->waitUntilReady();
        QCustomPlot* plot = view_->headMap()->plot();
        const QPoint pixel(int(plot->xAxis->coordToPixel(2)), int(plot->yAxis->coordToPixel(1)));
        QTest::mouseClick(plot, Qt::LeftButton, {}, pixel);
        view_->waitUntilReady();
        ActivationPatcher patcher(session_->model(), idsOf(*session_->model(), kClean),
                                  idsOf(*session_->model(), kCorrupt));
        const Vector logits = patcher.patchedLogits(PatchTarget::Heads, 1, 2);
        const TopTokens want = topTokens({logits.data(), size_t(logits.size())},
                                         session_->model()->tokenizer.get(), 8);
        QCOMPARE(view_->patchedBars()->labels(), want.labels);
        for (size_t i = 0; i < want.probs.size(); ++i)
            QVERIFY(std::abs(view_->patchedBars()->values()[i] - want.probs[i]) < 1e-7);
        QVERIFY(view_->patchedBars()->title().contains("head 1.2"));
    }

    void promptsOfDifferentLengthsGiveAClearMessage() {
        view_->setInputs("The cat sat", "The big dog sat", " on", " in");
        view_->run();
        QVERIFY(!view_->running());
        QVERIFY(view_->message().contains("same token length"));
        QVERIFY(view_->message().contains("3 tokens and the corrupted one 4"));
        QCOMPARE(view_->residualMap()->rows(), 0);
        view_->setInputs("The cat sat", "The dog sat", " on the", " in");
        view_->run();
        QVERIFY(view_->message().contains("2 tokens; give exactly one"));
    }

    void cancelStopsTheRun() {
        view_->setInputs(kClean, kCorrupt, " sat", " mat");
        view_->run();
        QVERIFY(view_->running());
        view_->cancel();
        QVERIFY(!view_->running());
        view_->waitUntilReady();
        QVERIFY(view_->message().contains("cancelled"));
        QCOMPARE(view_->residualMap()->rows(), 0);
    }
};

QTEST_MAIN(PatchingViewTest)
#include "patching_view_test.moc"
