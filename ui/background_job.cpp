#include "ui/background_job.h"

#include <QCoreApplication>
#include <QMetaObject>
#include <QProgressBar>
#include <QPushButton>
#include <utility>

#include "core/error.h"
#include "core/forward.h"

namespace tscope::ui {

bool JobControl::report(int done, int total) const {
    if (*cancel_) return false;
    if (progress_) progress_(done, total);
    return true;
}

BackgroundJob::BackgroundJob(QObject* parent) : QObject(parent) {}

BackgroundJob::~BackgroundJob() {
    if (cancel_) *cancel_ = true;
    for (Thread& t : threads_) t.thread.join();
}

void BackgroundJob::start(Work work) {
    queued_ = nullptr;             // this work supersedes whatever waited
    if (cancel_) *cancel_ = true;  // the old job stops at its next report()
    reapFinishedThreads();
    const int generation = ++generation_;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    JobControl control;
    control.cancel_ = cancel_;
    // Queued calls to `this`: Qt drops them if this object is gone, and ~BackgroundJob joins
    // the thread first anyway.
    control.progress_ = [this, generation](int done, int total) {
        QMetaObject::invokeMethod(
            this, [=, this] { onProgress(generation, done, total); }, Qt::QueuedConnection);
    };
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::thread thread([this, generation, work = std::move(work), control, done] {
        Deliver deliver;
        QString error;
        bool stopped = false;
        try {
            deliver = work(control);
            stopped = control.cancelled();
        } catch (const Cancelled&) {
            stopped = true;
        } catch (const std::exception& e) {  // tscope::Error and std::bad_alloc alike
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            this, [=, this] { onDone(generation, deliver, error, stopped); }, Qt::QueuedConnection);
        *done = true;
    });
    threads_.push_back({std::move(thread), std::move(done)});
    setRunning(true);
}

void BackgroundJob::startAfterCurrent(Work work) {
    if (running_)
        queued_ = std::move(work);
    else
        start(std::move(work));
}

void BackgroundJob::cancel() {
    queued_ = nullptr;
    if (!running_) return;
    *cancel_ = true;
    ++generation_;  // whatever it still sends is dropped
    setRunning(false);
    emit cancelled();
}

void BackgroundJob::wait() {
    while (running_ && !threads_.empty()) {  // the current job is the last thread
        threads_.back().thread.join();
        threads_.pop_back();
        QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);  // may start queued work
    }
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void BackgroundJob::reapFinishedThreads() {
    for (auto it = threads_.begin(); it != threads_.end();) {
        if (*it->done) {
            it->thread.join();
            it = threads_.erase(it);
        } else {
            ++it;
        }
    }
}

void BackgroundJob::setRunning(bool running) {
    if (running == running_) return;
    running_ = running;
    emit runningChanged(running);
}

void BackgroundJob::onProgress(int generation, int done, int total) {
    if (generation == generation_) emit progress(done, total);
}

void BackgroundJob::onDone(int generation, const Deliver& deliver, const QString& error,
                           bool stopped) {
    if (generation != generation_) return;
    if (queued_) {  // newer work waits: show this result, then run that
        if (!stopped && error.isEmpty() && deliver) deliver();
        start(std::exchange(queued_, nullptr));
        return;
    }
    setRunning(false);
    if (stopped) {
        emit cancelled();
    } else if (!error.isEmpty()) {
        emit failed(error);
    } else {
        if (deliver) deliver();
        emit finished();
    }
    reapFinishedThreads();
}

void showProgress(BackgroundJob* job, QProgressBar* bar, QPushButton* start, QPushButton* cancel) {
    bar->setVisible(false);
    cancel->setEnabled(false);
    QObject::connect(job, &BackgroundJob::progress, bar, [bar](int done, int total) {
        bar->setRange(0, total);
        bar->setValue(done);
    });
    QObject::connect(job, &BackgroundJob::runningChanged, bar, [=](bool running) {
        bar->setVisible(running);
        bar->setValue(0);
        cancel->setEnabled(running);
        start->setEnabled(!running);
    });
    QObject::connect(cancel, &QPushButton::clicked, job, &BackgroundJob::cancel);
}

}  // namespace tscope::ui
