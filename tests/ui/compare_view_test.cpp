// Two prompts side by side on the fixture model: " bank" is picked in both by default and the
// curve is core's residual cosine between independent runs; the same prompt twice gives 1 at
// every layer; each side's bars are that prompt's attention row from the picked token.
#include <qcustomplot.h>

#include <QtTest>
#include <cmath>

#include "core/forward.h"
#include "core/residual_similarity.h"
#include "ui/compare_view.h"
#include "ui/token_bars.h"
#include "ui_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

namespace {

Capture run(const Model& model, std::shared_ptr<const Model> shared, const QString& text) {
    Forward forward(std::move(shared));
    forward.append(model.tokenizer->encodeIds(text.toStdString()));
    return forward.capture();
}

}  // namespace

class CompareViewTest : public QObject {
    Q_OBJECT
  private:
    std::unique_ptr<Session> session_;
    std::unique_ptr<CompareView> view_;

  private slots:
    void init() {
        session_ = std::make_unique<Session>();
        QVERIFY(openFixture(*session_));
        view_ = std::make_unique<CompareView>(session_.get());
        view_->resize(1100, 750);
        view_->show();
        view_->waitUntilReady();
    }
    void cleanup() {
        view_.reset();
        session_.reset();
    }

    void bankInTwoContextsIsCoresCosine() {
        const auto model = session_->model();
        const Capture a = run(*model, model, "catch fish by the river bank");
        const Capture b = run(*model, model, "put your money in the bank");
        QCOMPARE(view_->positionA(), a.T - 1);  // " bank", the common token
        QCOMPARE(view_->positionB(), b.T - 1);
        const auto want = residualCosineByLayer(a, a.T - 1, b, b.T - 1);
        QCOMPARE(view_->cosines().size(), want.size());
        for (size_t l = 0; l < want.size(); ++l)
            QVERIFY(std::abs(view_->cosines()[l] - want[l]) < 1e-9);
        QVERIFY(want.back() < 0.9999);  // the contexts differ
        QCPGraph* graph = view_->cosinePlot()->graph(0);
        QCOMPARE(graph->dataCount(), int(want.size()));
        QVERIFY(std::abs(graph->data()->at(2)->value - want[2]) < 1e-12);

        view_->setLayerHead(1, 3);
        const AttentionQueryRow row = a.attentionRow(1, 3, a.T - 1);
        QCOMPARE(int(view_->attentionA()->values().size()), a.T);
        for (int k = 0; k < a.T; ++k)
            QVERIFY(std::abs(view_->attentionA()->values()[size_t(k)] - double(row.probs[k])) <
                    1e-9);
        QCOMPARE(view_->attentionA()->accent(), a.T - 1);
        QCOMPARE(int(view_->attentionB()->values().size()), b.T);
    }

    void samePromptTwiceIsOneAtEveryLayer() {
        view_->setPrompts("the river bank", "the river bank");
        view_->waitUntilReady();
        view_->pickTokens(1, 1);
        QCOMPARE(view_->cosines().size(), size_t(3));
        for (double c : view_->cosines()) QVERIFY(std::abs(c - 1) < 1e-6);
        view_->pickTokens(1, 2);  // different tokens: below 1
        QVERIFY(view_->cosines()[0] < 0.999);
        QVERIFY(!view_->csv().isEmpty());
    }
};

QTEST_MAIN(CompareViewTest)
#include "compare_view_test.moc"
