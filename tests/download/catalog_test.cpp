// The pure parts of the download code: the catalogue, the model store's paths and listing,
// the parsing of hub response headers, and the transfer-rate window.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "core/download/catalog.h"
#include "core/download/hub_headers.h"
#include "core/download/model_store.h"
#include "core/download/transfer_rate.h"

using namespace tscope::download;

namespace {

bool touch(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write("x") == 1;
}

}  // namespace

class CatalogTest : public QObject {
    Q_OBJECT

  private slots:
    void catalogListsTheFiveGpt2Checkpoints() {
        QStringList names;
        for (const ModelSpec& spec : modelCatalog()) names << spec.name;
        QCOMPARE(names,
                 (QStringList{"distilgpt2", "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"}));

        const auto gpt2 = findModel("gpt2");
        QVERIFY(gpt2);
        QCOMPARE(gpt2->repo, QString("openai-community/gpt2"));
        QCOMPARE(gpt2->parameters, QString("124M"));
        QCOMPARE(findModel("distilbert/distilgpt2")->name, QString("distilgpt2"));
        QCOMPARE(findModel("gpt2-xl")->repo, QString("openai-community/gpt2-xl"));
        QVERIFY(!findModel("gpt3"));

        // approximate sizes: weights as listed on the hub plus ~1.5 MB of tokenizer files
        QVERIFY(qAbs(findModel("gpt2")->approxBytes - 549'500'000) < 5'000'000);
        QVERIFY(qAbs(findModel("gpt2-xl")->approxBytes - 6'431'500'000) < 20'000'000);
        qint64 previous = 0;
        for (const ModelSpec& spec : modelCatalog()) {
            QVERIFY2(spec.approxBytes > previous, qPrintable(spec.name));  // smallest first
            previous = spec.approxBytes;
        }
    }

    void modelFilesAndUrls() {
        QCOMPARE(modelFileNames(),
                 (QStringList{"config.json", "vocab.json", "merges.txt", "model.safetensors"}));
        QCOMPARE(
            hubFileUrl(defaultHubUrl(), "openai-community/gpt2", "model.safetensors"),
            QUrl("https://huggingface.co/openai-community/gpt2/resolve/main/model.safetensors"));
        QCOMPARE(hubFileUrl("http://127.0.0.1:8080/", "a/b", "config.json"),
                 QUrl("http://127.0.0.1:8080/a/b/resolve/main/config.json"));
    }

    void modelsDirFollowsXdgAndCanBeOverridden() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        qunsetenv("TSCOPE_MODELS_DIR");
        qputenv("XDG_DATA_HOME", dir.path().toUtf8());
        QCOMPARE(defaultModelsDir(), dir.path() + "/tscope/models");
        QCOMPARE(modelDir({}, "gpt2"), dir.path() + "/tscope/models/gpt2");
        QCOMPARE(modelDir(dir.path() + "/elsewhere", "gpt2"), dir.path() + "/elsewhere/gpt2");
        qputenv("TSCOPE_MODELS_DIR", (dir.path() + "/mine").toUtf8());
        QCOMPARE(defaultModelsDir(), dir.path() + "/mine");
        qunsetenv("TSCOPE_MODELS_DIR");
    }

    void installedModelsAreCompleteDirectoriesOnly() {
        QTemporaryDir store;
        QVERIFY(store.isValid());
        const QDir root(store.path());
        for (const char* name : {"gpt2", "gpt2.partial", "half", "tiny"}) {
            QVERIFY(root.mkpath(name));
        }
        QVERIFY(touch(root.filePath("gpt2/config.json")));
        QVERIFY(touch(root.filePath("gpt2/model.safetensors")));
        QVERIFY(touch(root.filePath("gpt2.partial/config.json")));  // a download in progress
        QVERIFY(touch(root.filePath("gpt2.partial/model.safetensors")));
        QVERIFY(touch(root.filePath("half/config.json")));  // no weights
        QVERIFY(touch(root.filePath("tiny/config.json")));
        QVERIFY(touch(root.filePath("tiny/model.safetensors")));

        const QList<InstalledModel> models = listInstalledModels(store.path());
        QCOMPARE(models.size(), 2);
        QCOMPARE(models[0].name, QString("gpt2"));
        QCOMPARE(models[0].directory, root.filePath("gpt2"));
        QCOMPARE(models[0].weightsBytes, 1);
        QCOMPARE(models[1].name, QString("tiny"));
        QVERIFY(listInstalledModels(root.filePath("does-not-exist")).isEmpty());
    }

    void contentRange() {
        auto r = parseContentRange("bytes 100-199/1000");
        QVERIFY(r);
        QCOMPARE(r->first, 100);
        QCOMPARE(r->last, 199);
        QCOMPARE(r->total, 1000);
        r = parseContentRange("bytes */548105171");
        QVERIFY(r);
        QCOMPARE(r->first, -1);
        QCOMPARE(r->total, 548105171);
        r = parseContentRange("bytes 0-9/*");
        QVERIFY(r);
        QCOMPARE(r->total, -1);
        for (const char* bad : {"", "bytes", "bytes 10-5/100", "bytes 0-100/100", "items 0-1/2",
                                "bytes */*", "bytes -1-5/10", "bytes 1-2/x"}) {
            QVERIFY2(!parseContentRange(bad), bad);
        }
    }

    void sha256FromHubEtags() {
        const QByteArray sha = "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707";
        QCOMPARE(sha256FromEtag("\"" + sha + "\""), sha);
        QCOMPARE(sha256FromEtag("W/\"" + sha.toUpper() + "\""), sha);
        QCOMPARE(sha256FromEtag(sha), sha);
        // a git blob id (small files) or anything else is no sha256
        QVERIFY(sha256FromEtag("\"10c66461e4c5ea8ad8e5b8e4c0a3e8a2b6a7c7d1\"").isEmpty());
        QVERIFY(sha256FromEtag("\"" + sha.left(63) + "g\"").isEmpty());
        QVERIFY(sha256FromEtag("").isEmpty());
        QCOMPARE(parseByteCount(" 548105171 "), 548105171);
        QCOMPARE(parseByteCount("-5"), -1);
        QCOMPARE(parseByteCount("12a"), -1);
    }

    void transferRateAveragesOverItsWindow() {
        TransferRate rate(1000);
        QCOMPARE(rate.bytesPerSecond(), 0.0);
        rate.add(0, 0);
        QCOMPARE(rate.bytesPerSecond(), 0.0);
        rate.add(500, 1000);
        QCOMPARE(rate.bytesPerSecond(), 2000.0);
        rate.add(1000, 1000);  // stalled half a second
        QCOMPARE(rate.bytesPerSecond(), 1000.0);
        rate.add(2500, 4000);  // the samples before 1500 ms drop out, except the last one
        QCOMPARE(rate.bytesPerSecond(), 2000.0);
        rate.reset();
        QCOMPARE(rate.bytesPerSecond(), 0.0);
    }
};

QTEST_GUILESS_MAIN(CatalogTest)
#include "catalog_test.moc"
