#include "core/download/transfer_rate.h"

namespace tscope::download {

void TransferRate::add(qint64 timeMs, qint64 bytes) {
    samples_.push_back({timeMs, bytes});
    // keep one sample at or before the window start, so the window is always fully covered
    while (samples_.size() > 2 && samples_[1].timeMs <= timeMs - windowMs_) samples_.pop_front();
}

double TransferRate::bytesPerSecond() const {
    if (samples_.size() < 2) return 0.0;
    const Sample& first = samples_.front();
    const Sample& last = samples_.back();
    const qint64 dt = last.timeMs - first.timeMs;
    if (dt <= 0 || last.bytes < first.bytes) return 0.0;
    return double(last.bytes - first.bytes) * 1000.0 / double(dt);
}

}  // namespace tscope::download
