// Download speed over a sliding window, so the rate and the time left follow the connection
// without jumping at every packet. Fed with explicit times: no clock inside, easy to test.
#pragma once

#include <QtGlobal>
#include <deque>

namespace tscope::download {

class TransferRate {
  public:
    explicit TransferRate(qint64 windowMs = 5000) : windowMs_(windowMs) {}

    void reset() { samples_.clear(); }
    // timeMs: any monotonic clock; bytes: total transferred so far (never decreasing).
    void add(qint64 timeMs, qint64 bytes);
    // Average over the window; 0 until two samples span a positive time.
    double bytesPerSecond() const;

  private:
    struct Sample {
        qint64 timeMs;
        qint64 bytes;
    };
    qint64 windowMs_;
    std::deque<Sample> samples_;
};

}  // namespace tscope::download
