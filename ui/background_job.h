// One cancellable piece of model work off the GUI thread, for the research views (atlas,
// ablation sweep, patching, two prompts). start() runs `work` on a worker thread; what it
// returns runs back on the GUI thread, unless the job was cancelled or a newer one started.
// Progress arrives as a signal; an Error thrown by the work arrives as failed(message).
// A superseded job is told to stop and finishes on its own thread, so starting or cancelling
// never waits for it; the destructor joins every thread it started.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

class QProgressBar;
class QPushButton;

namespace tscope::ui {

// What the work sees: report progress, and whether to stop (checked by report()).
class JobControl {
  public:
    // Returns false when the job should stop (cancelled or superseded).
    bool report(int done, int total) const;
    bool cancelled() const { return *cancel_; }

  private:
    friend class BackgroundJob;
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::function<void(int, int)> progress_;
};

class BackgroundJob : public QObject {
    Q_OBJECT
  public:
    using Deliver = std::function<void()>;  // runs on the GUI thread
    using Work = std::function<Deliver(const JobControl&)>;

    explicit BackgroundJob(QObject* parent = nullptr);
    ~BackgroundJob() override;

    void start(Work work);
    // For work that cannot stop midway (a whole forward pass): starts it when the current job is
    // done (its result still shown), replacing any work queued before; at once when idle. So a
    // burst of new snapshots runs at most two jobs, not one thread per snapshot.
    void startAfterCurrent(Work work);
    void cancel();  // the running job's result is dropped, queued work too; emits cancelled()
    bool running() const { return running_; }
    // Blocks until the current job is done and its result delivered (tests, --screenshot).
    void wait();

  signals:
    void progress(int done, int total);
    void finished();  // after the result was delivered
    void failed(const QString& message);
    void cancelled();
    void runningChanged(bool running);

  private:
    struct Thread {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    void reapFinishedThreads();
    void setRunning(bool running);
    void onProgress(int generation, int done, int total);
    void onDone(int generation, const Deliver& deliver, const QString& error, bool stopped);

    std::vector<Thread> threads_;  // the current one last
    std::shared_ptr<std::atomic<bool>> cancel_;
    Work queued_;  // startAfterCurrent's work, waiting for the current job
    int generation_ = 0;
    bool running_ = false;
};

// A job's controls: the bar shows its progress while it runs, `start` is disabled and `cancel`
// enabled (and cancels it) only then.
void showProgress(BackgroundJob* job, QProgressBar* bar, QPushButton* start, QPushButton* cancel);

}  // namespace tscope::ui
