// Output view on the fixture model: the bars are the core sampler's probabilities at several
// temperatures (and with top-k / top-p), the controls drive the Session, clicking a bar forces
// that token, and the chart exports to valid PNG, SVG and CSV.
#include <qcustomplot.h>
#include <QDoubleSpinBox>
#include <QImage>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "core/sampling.h"
#include "ui/output_view.h"
#include "ui/plot_style.h"
#include "ui/session.h"
#include "ui_test_util.h"

using namespace tscope;
using namespace tscope::ui;
using namespace tscope::ui::test;

namespace {

std::vector<float> coreDistribution(const Session& session, SamplingSettings settings) {
    const Vector& logits = session.snapshot()->capture.logitsLast();
    return nextTokenDistribution({logits.data(), size_t(logits.size())}, settings);
}

// Distinct colours in an image: a blank widget has one or two.
int colourCount(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    return int(colours.size());
}

}  // namespace

class OutputViewTest : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        session_ = std::make_unique<Session>();
        view_ = std::make_unique<OutputView>(session_.get());
        view_->resize(1000, 700);
        view_->show();
        QVERIFY(openFixture(*session_));
    }
    void cleanupTestCase() {
        view_.reset();
        session_.reset();
    }
    void init() {
        session_->setTemperature(1.0);
        session_->setTopK(0);
        session_->setTopP(1.0);
    }

    void barsEqualTheCoreSampler_data() {
        QTest::addColumn<double>("temperature");
        QTest::addColumn<int>("topK");
        QTest::addColumn<double>("topP");
        QTest::newRow("T=0.5") << 0.5 << 0 << 1.0;
        QTest::newRow("T=1.0") << 1.0 << 0 << 1.0;
        QTest::newRow("T=1.7") << 1.7 << 0 << 1.0;
        QTest::newRow("T=1.0 top-k 5") << 1.0 << 5 << 1.0;
        QTest::newRow("T=1.7 top-p 0.3") << 1.7 << 0 << 0.3;
        QTest::newRow("T=0 greedy") << 0.0 << 0 << 1.0;
    }
    void barsEqualTheCoreSampler() {
        QFETCH(double, temperature);
        QFETCH(int, topK);
        QFETCH(double, topP);
        session_->setTemperature(temperature);
        session_->setTopK(topK);
        session_->setTopP(topP);
        const std::vector<float> expected = coreDistribution(*session_, session_->sampling());
        QCOMPARE(session_->sampling().temperature, float(temperature));

        const std::vector<int>& ids = view_->barIds();
        QCPBars* bars = view_->bars();
        QCOMPARE(int(ids.size()), view_->barCount());
        QCOMPARE(bars->data()->size(), view_->barCount());
        const Vector& logits = session_->snapshot()->capture.logitsLast();
        QCOMPARE(ids, topIndices({logits.data(), size_t(logits.size())}, view_->barCount()));
        for (int r = 0; r < int(ids.size()); ++r) {
            QCOMPARE(bars->data()->at(r)->key, double(r + 1));
            QCOMPARE(bars->data()->at(r)->value, double(expected[size_t(ids[size_t(r)])]));
        }
        QVERIFY(std::abs(view_->entropyNats() - entropyNats(expected)) < 1e-6);
        // bars descend, and the filtered tokens are exactly zero
        for (int r = 1; r < int(ids.size()); ++r)
            QVERIFY(bars->data()->at(r)->value <= bars->data()->at(r - 1)->value);
        if (topK > 0) {
            for (int r = topK; r < int(ids.size()); ++r) QCOMPARE(bars->data()->at(r)->value, 0.0);
        }
    }

    void controlsDriveTheSession() {
        view_->temperatureSlider()->setValue(35);
        QCOMPARE(session_->sampling().temperature, 0.35f);
        QCOMPARE(view_->temperatureBox()->value(), 0.35);
        view_->temperatureBox()->setValue(1.25);
        QCOMPARE(session_->sampling().temperature, 1.25f);
        QCOMPARE(view_->temperatureSlider()->value(), 125);
        const std::vector<float> expected = coreDistribution(*session_, session_->sampling());
        QCOMPARE(view_->bars()->data()->at(0)->value, double(expected[size_t(view_->barIds()[0])]));
        view_->setBarCount(7);
        QCOMPARE(view_->bars()->data()->size(), 7);
        QCOMPARE(int(view_->barIds().size()), 7);
        view_->setBarCount(20);
    }

    void clickingABarForcesThatToken() {
        const int T = session_->snapshot()->length();
        view_->plot()->replot();  // lay out the axes so pixels map to bars
        const int id = view_->barIds()[2];
        QTest::mouseClick(view_->plot(), Qt::LeftButton, {}, view_->barPixel(2));
        QVERIFY(session_->waitUntilIdle());
        auto s = session_->snapshot();
        QCOMPARE(s->length(), T + 1);
        QCOMPARE(s->tokens.back().id, id);
        QVERIFY(s->tokens.back().forced);
        // looking back at the previous position, the forced token is the highlighted bar
        session_->selectPosition(T - 1);
        QCOMPARE(view_->position(), T - 1);
        QCOMPARE(view_->highlightedId(), id);
        QVERIFY(view_->statsText().contains("forced"));
        session_->back();
        QVERIFY(session_->waitUntilIdle());
        QCOMPARE(session_->snapshot()->length(), T);
    }

    void earlierPositionsShowTheirOwnLogits() {
        auto s = session_->snapshot();
        session_->selectPosition(1);
        const Vector row = s->capture.logitsAt(1);  // [V], computed on demand
        const std::vector<float> expected =
            nextTokenDistribution({row.data(), size_t(row.size())}, session_->sampling());
        QCOMPARE(view_->position(), 1);
        for (int r = 0; r < int(view_->barIds().size()); ++r)
            QCOMPARE(view_->bars()->data()->at(r)->value,
                     double(expected[size_t(view_->barIds()[size_t(r)])]));
        QCOMPARE(view_->highlightedId(), s->tokens[2].id);  // the prompt's next token
        session_->selectPosition(s->length() - 1);
    }

    void renders() {
        view_->plot()->replot();
        const QImage image = view_->grab().toImage();
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), view_->size());
        QVERIFY(colourCount(image) > 20);
        Presentation::instance().setDark(true);
        const QImage dark = view_->grab().toImage();
        QVERIFY(colourCount(dark) > 20);
        QCOMPARE(view_->plot()->toPixmap(120, 80).toImage().pixelColor(1, 1),
                 Presentation::instance().background());
        Presentation::instance().setDark(false);
    }

    void exportsPngSvgAndCsv() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString error;
        const QString png = dir.filePath("bars.png"), svg = dir.filePath("bars.svg");
        QVERIFY2(savePlot(view_->plot(), png, &error), qPrintable(error));
        QImage image;
        QVERIFY(image.load(png, "PNG"));
        QVERIFY(image.width() > 100 && image.height() > 100);
        QVERIFY(colourCount(image) > 20);

        QVERIFY2(savePlot(view_->plot(), svg, &error), qPrintable(error));
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.startsWith("<?xml"));
        QVERIFY(text.contains("<svg"));
        QVERIFY(text.contains("</svg>"));

        QVERIFY(!savePlot(view_->plot(), dir.filePath("bars.gif"), &error));
        QVERIFY(error.contains("gif"));

        const QString csvPath = dir.filePath("bars.csv");
        QVERIFY(saveText(view_->csv(), csvPath, &error));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + view_->barCount());
        QVERIFY(lines[0].startsWith("rank,id,token,logit,probability"));
        const QStringList first = lines[1].split(',');
        QCOMPARE(first[0], QString("1"));
        QCOMPARE(first[1].toInt(), view_->barIds()[0]);
        // the token field may hold a comma: the numbers are read from the end
        QCOMPARE(float(first[first.size() - 2].toDouble()),
                 float(view_->bars()->data()->at(0)->value));
    }

  private:
    std::unique_ptr<Session> session_;
    std::unique_ptr<OutputView> view_;
};

QTEST_MAIN(OutputViewTest)
#include "output_view_test.moc"
