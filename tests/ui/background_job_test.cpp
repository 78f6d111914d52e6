// BackgroundJob: results arrive on the GUI thread; a cancelled job's result never arrives; an
// error arrives as failed(); work queued behind a running job runs after it, and only the
// latest queued work runs; progress reports stop a cancelled job.
#include <QSignalSpy>
#include <QThread>
#include <QtTest>
#include <atomic>
#include <latch>
#include <stdexcept>

#include "ui/background_job.h"

using namespace tscope::ui;

class BackgroundJobTest : public QObject {
    Q_OBJECT
  private slots:
    void resultArrivesOnTheGuiThread() {
        BackgroundJob job;
        QSignalSpy finished(&job, &BackgroundJob::finished);
        QThread* workThread = nullptr;
        QThread* deliverThread = nullptr;
        job.start([&](const JobControl&) {
            workThread = QThread::currentThread();
            return BackgroundJob::Deliver([&] { deliverThread = QThread::currentThread(); });
        });
        QVERIFY(job.running());
        job.wait();
        QVERIFY(!job.running());
        QCOMPARE(finished.count(), 1);
        QVERIFY(workThread != QThread::currentThread());
        QCOMPARE(deliverThread, QThread::currentThread());
    }

    void cancelledResultNeverArrives() {
        BackgroundJob job;
        QSignalSpy cancelled(&job, &BackgroundJob::cancelled);
        std::latch release(1);
        bool delivered = false;
        job.start([&](const JobControl&) {
            release.wait();
            return BackgroundJob::Deliver([&] { delivered = true; });
        });
        job.cancel();
        QVERIFY(!job.running());
        QCOMPARE(cancelled.count(), 1);
        release.count_down();
        job.wait();
        QCoreApplication::processEvents();
        QVERIFY(!delivered);
    }

    void errorsArriveAsFailed() {
        BackgroundJob job;
        QSignalSpy failed(&job, &BackgroundJob::failed);
        job.start([](const JobControl&) -> BackgroundJob::Deliver {
            throw std::runtime_error("no such token");
        });
        job.wait();
        QCOMPARE(failed.count(), 1);
        QCOMPARE(failed[0][0].toString(), QString("no such token"));
    }

    void onlyTheLatestQueuedWorkRunsAfterTheCurrentOne() {
        BackgroundJob job;
        std::latch release(1);
        QStringList delivered;
        std::atomic<int> runs = 0;
        const auto work = [&](const QString& name, bool hold) {
            return [&, name, hold](const JobControl&) {
                if (hold) release.wait();
                ++runs;
                return BackgroundJob::Deliver([&, name] { delivered << name; });
            };
        };
        job.startAfterCurrent(work("A", true));
        job.startAfterCurrent(work("B", false));  // replaced by C before A is done
        job.startAfterCurrent(work("C", false));
        release.count_down();
        job.wait();
        QCOMPARE(delivered, QStringList({"A", "C"}));
        QCOMPARE(runs.load(), 2);
    }

    void reportStopsACancelledJob() {
        BackgroundJob job;
        std::latch started(1), cancelled(1), reported(1);
        std::atomic<bool> reportedFalse = false;
        job.start([&](const JobControl& control) {
            started.count_down();
            cancelled.wait();
            reportedFalse = !control.report(1, 2);
            reported.count_down();
            return BackgroundJob::Deliver();
        });
        started.wait();
        job.cancel();
        cancelled.count_down();
        reported.wait();  // a cancelled job is not waited for: wait() returns at once
        QVERIFY(reportedFalse);
    }
};

QTEST_MAIN(BackgroundJobTest)
#include "background_job_test.moc"
