// Embeddings view on the fixture model: the strips hold wte[id], wpe[t] and their sum (read
// from the model's weight matrices here, not from the capture the view draws from), the bar
// chart holds the sum, the nearest tokens are the brute-force cosine neighbours, and the word
// arithmetic parses, excludes its inputs and reports bad input without crashing.
#include <qcustomplot.h>

#include <QtTest>
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/model.h"
#include "ui/embeddings_view.h"
#include "ui/heatmap.h"
#include "ui/session.h"
#include "ui/vector_math.h"
#include "ui_test_util.h"

using namespace tscope;
using namespace tscope::ui;

namespace {

bool drewSomething(QWidget* widget) {
    QImage image = widget->grab().toImage();
    if (image.isNull() || image.width() < 10 || image.height() < 10) return false;
    QRgb first = image.pixel(0, 0);
    int differing = 0;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7) differing += image.pixel(x, y) != first;
    return differing > 50;
}

// Cosine of wte[v] and x in double precision.
double cosine(const Model& model, int v, const std::vector<double>& x) {
    auto row = test::fileWte(model).row(v);
    double dot = 0, a = 0, b = 0;
    for (Eigen::Index d = 0; d < row.size(); ++d) {
        dot += double(row[d]) * x[size_t(d)];
        a += double(row[d]) * double(row[d]);
        b += x[size_t(d)] * x[size_t(d)];
    }
    return dot / std::sqrt(a * b);
}

// The best k ids by brute force, skipping `exclude`.
std::vector<int> bruteForceNearest(const Model& model, const std::vector<double>& x, int k,
                                   const std::vector<int>& exclude) {
    std::vector<std::pair<double, int>> all;
    for (int v = 0; v < model.config.vocab_size; ++v)
        if (std::find(exclude.begin(), exclude.end(), v) == exclude.end())
            all.push_back({-cosine(model, v, x), v});
    std::partial_sort(all.begin(), all.begin() + k, all.end());
    std::vector<int> ids;
    for (int i = 0; i < k; ++i) ids.push_back(all[size_t(i)].second);
    return ids;
}

}  // namespace

class EmbeddingsViewTest : public QObject {
    Q_OBJECT
  private:
    Session* session_ = nullptr;
    EmbeddingsView* view_ = nullptr;

    const Model& model() const { return *session_->snapshot()->model; }

  private slots:
    void initTestCase() {
        session_ = new Session(this);
        session_->setPrompt("The power clapper went straight to jail");
        session_->openModel(TSCOPE_FIXTURES "/tiny-gpt2");
        QVERIFY2(session_->waitUntilIdle(), qPrintable(session_->lastError()));
        QVERIFY(session_->snapshot()->model->tokenizer);  // the bundled GPT-2 tokenizer
        view_ = new EmbeddingsView(session_);
        view_->resize(1300, 900);
        view_->show();
        QCoreApplication::processEvents();
    }

    void cleanupTestCase() {
        delete view_;
        view_ = nullptr;
    }

    void renders() {
        view_->strips()->plot()->replot();
        view_->barPlot()->replot();
        QVERIFY(drewSomething(view_));
        QVERIFY(drewSomething(view_->barPlot()));
        QCOMPARE(view_->viewName(), QString("embeddings"));
    }

    void stripsHoldTokenPositionAndSum() {
        const auto snapshot = session_->snapshot();
        for (int t : {0, 2, snapshot->length() - 1}) {
            session_->selectPosition(t);
            QCoreApplication::processEvents();
            QCOMPARE(view_->position(), t);
            const int id = snapshot->tokens[size_t(t)].id;
            auto wte = test::fileWte(model()).row(id);
            auto wpe = model().weights.wpe.map().row(t);
            Heatmap* strips = view_->strips();
            QCOMPARE(strips->rows(), 3);
            QCOMPARE(strips->cols(), model().config.n_embd);
            QCPColorMapData* data = strips->colorMap()->data();
            for (int d = 0; d < model().config.n_embd; ++d) {
                QCOMPARE(strips->value(0, d), wte[d]);
                QCOMPARE(strips->value(1, d), wpe[d]);
                QVERIFY(std::abs(strips->value(2, d) - (wte[d] + wpe[d])) < 1e-6f);
                QVERIFY(std::abs(data->cell(d, 2) - double(wte[d] + wpe[d])) < 1e-6);
            }
            // The bar chart holds the same sum.
            auto* bars = qobject_cast<QCPBars*>(view_->barPlot()->plottable(0));
            QVERIFY(bars);
            QCOMPARE(bars->data()->size(), model().config.n_embd);
            for (int d = 0; d < model().config.n_embd; ++d)
                QVERIFY(std::abs(bars->data()->at(d)->value - double(wte[d] + wpe[d])) < 1e-6);
        }
    }

    void nearestTokensAreTheCosineNeighbours() {
        const auto snapshot = session_->snapshot();
        const int t = 1, id = snapshot->tokens[t].id;
        session_->selectPosition(t);
        QCoreApplication::processEvents();
        const auto& nearest = view_->nearest();
        QVERIFY(nearest.size() >= 5);
        auto row = test::fileWte(model()).row(id);
        std::vector<double> x(row.begin(), row.end());
        std::vector<int> expected = bruteForceNearest(model(), x, 5, {id});
        for (size_t i = 0; i < 5; ++i) {
            QCOMPARE(nearest[i].id, expected[i]);
            QVERIFY(std::abs(double(nearest[i].cosine) - cosine(model(), nearest[i].id, x)) < 1e-5);
            if (i > 0) QVERIFY(nearest[i].cosine <= nearest[i - 1].cosine);
        }
        for (const Neighbour& n : nearest) QVERIFY(n.id != id);
    }

    void wordArithmetic() {
        view_->setArithmetic("king - man + woman");
        const Tokenizer& tok = *model().tokenizer;
        std::vector<int> king = tok.encodeIds(" king"), man = tok.encodeIds(" man"),
                         woman = tok.encodeIds(" woman");
        QCOMPARE(king.size(), size_t(1));
        QCOMPARE(man.size(), size_t(1));
        QCOMPARE(woman.size(), size_t(1));
        auto wte = test::fileWte(model());
        std::vector<double> x(size_t(wte.cols()));
        for (Eigen::Index d = 0; d < wte.cols(); ++d)
            x[size_t(d)] =
                double(wte(king[0], d)) - double(wte(man[0], d)) + double(wte(woman[0], d));
        std::vector<int> expected = bruteForceNearest(model(), x, 3, {king[0], man[0], woman[0]});
        const auto& result = view_->arithmeticResult();
        QVERIFY(result.size() >= 3);
        for (size_t i = 0; i < 3; ++i) QCOMPARE(result[i].id, expected[i]);
        for (const Neighbour& n : result)
            QVERIFY(n.id != king[0] && n.id != man[0] && n.id != woman[0]);

        view_->setArithmetic("king -");
        QVERIFY(view_->arithmeticResult().empty());
        QVERIFY(view_->arithmeticMessage().contains("ends with an operator"));
        view_->setArithmetic("");
        QVERIFY(view_->arithmeticResult().empty());
        view_->setArithmetic("#99999999 + king");
        QVERIFY(view_->arithmeticResult().empty());
        QVERIFY(view_->arithmeticMessage().contains("not a token id"));
    }

    void parseArithmeticTerms() {
        const Tokenizer* tok = model().tokenizer.get();
        auto terms = parseArithmetic("-#5 + #7 − #9", tok, 50257);
        QCOMPARE(terms.size(), size_t(3));
        QCOMPARE(terms[0].sign, -1);
        QCOMPARE(terms[0].ids, std::vector<int>{5});
        QCOMPARE(terms[1].sign, +1);
        QCOMPARE(terms[2].sign, -1);  // typographic minus
        QCOMPARE(terms[2].ids, std::vector<int>{9});
        auto words = parseArithmetic(" Paris  -France+ Italy ", tok, 50257);
        QCOMPARE(words.size(), size_t(3));
        QCOMPARE(words[0].word, std::string("Paris"));
        QCOMPARE(words[0].ids, tok->encodeIds(" Paris"));
        QCOMPARE(words[1].sign, -1);
        QVERIFY_THROWS_EXCEPTION(Error, parseArithmetic("a + + b", tok, 50257));
        QVERIFY_THROWS_EXCEPTION(Error, parseArithmetic("+", tok, 50257));
        QVERIFY_THROWS_EXCEPTION(Error, parseArithmetic("   ", tok, 50257));
        QVERIFY_THROWS_EXCEPTION(Error, parseArithmetic("#12x + king", tok, 50257));
        QVERIFY_THROWS_EXCEPTION(Error, parseArithmetic("king", nullptr, 50257));
        QCOMPARE(parseArithmetic("#3", nullptr, 50257)[0].ids, std::vector<int>{3});
        // A multi-token word stands for the mean of its pieces.
        RowMatrix wte = RowMatrix::Zero(4, 2);
        wte << 1, 0, 3, 2, 0, 4, 5, 5;
        std::vector<ArithmeticTerm> mean{{+1, "x", {0, 1}}, {-1, "y", {2}}};
        const PanelMatrix wteT = PanelMatrix::transposed(wte.data(), 4, 2, 2);
        Vector v = evaluateArithmetic(mean, wteT.ref());
        QCOMPARE(v[0], 2.0f);   // (1 + 3) / 2 − 0
        QCOMPARE(v[1], -3.0f);  // (0 + 2) / 2 − 4
    }

    void csvHasOneRowPerDimension() {
        QStringList lines = view_->csv().split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), model().config.n_embd + 1);
        QCOMPARE(lines[0], QString("dim,token,position,sum"));
    }
};

QTEST_MAIN(EmbeddingsViewTest)
#include "embeddings_view_test.moc"
