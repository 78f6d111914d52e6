// Help → About names the version, the CPU path, Qt and Eigen, and the licences.
#include <QtTest>

#include "core/build_info.h"
#include "ui/about_dialog.h"

using namespace tscope;

class AboutDialogTest : public QObject {
    Q_OBJECT
  private slots:
    void showsVersionCpuPathLibrariesAndLicences() {
        ui::AboutDialog dialog;
        const QString text = dialog.text();
        QVERIFY(text.contains("TransformerScope " + QString::fromStdString(version())));
        QVERIFY(text.contains(QString::fromStdString(cpuPath()).toHtmlEscaped()));
        QVERIFY(text.contains(qVersion()));
        QVERIFY(text.contains(QString::fromStdString(eigenVersion())));
        for (const char* licence : {"MIT", "LGPL-3.0", "GPL-3.0-or-later", "MPL-2.0", "OpenAI"})
            QVERIFY2(text.contains(licence), licence);
    }
};

QTEST_MAIN(AboutDialogTest)
#include "about_dialog_test.moc"
