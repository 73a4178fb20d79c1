// ch04_echo_server/portable/latency_clock.cpp: due times and the measured window (see
// latency_clock.h).
#include "latency_clock.h"

#include <algorithm>
#include <stdexcept>

namespace ch04 {

LatencyClock::LatencyClock(std::size_t pipeline) {
    if (pipeline == 0) {
        throw std::invalid_argument("LatencyClock: the pipeline holds at least one message");
    }
    // The earliest time: messages 0 .. P-1 wait for no echo, only for their gate.
    due_.assign(pipeline, Clock::time_point::min());
}

LatencyClock::Clock::time_point LatencyClock::due(std::uint64_t sequence,
                                                  Clock::time_point gate) const noexcept {
    return std::max(due_[sequence % due_.size()], gate);
}

void LatencyClock::release(std::uint64_t sequence, Clock::time_point gate) noexcept {
    Clock::time_point& slot = due_[sequence % due_.size()];
    slot = std::max(slot, gate);
}

LatencyClock::Clock::time_point LatencyClock::echoed(std::uint64_t sequence,
                                                     Clock::time_point at) noexcept {
    Clock::time_point& slot = due_[sequence % due_.size()];
    const Clock::time_point due = slot;
    slot = at;  // message sequence + P, which takes this place, could go out from now
    return due;
}

void MeasuredWindow::echoed(Clock::time_point at) noexcept {
    last_ = last_ ? std::max(*last_, at) : at;
}

void MeasuredWindow::merge(const MeasuredWindow& other) noexcept {
    if (other.last_) {
        echoed(*other.last_);
    }
}

double MeasuredWindow::seconds_from(Clock::time_point start) const noexcept {
    if (!last_ || *last_ <= start) {
        return 0.0;
    }
    return std::chrono::duration<double>(*last_ - start).count();
}

}  // namespace ch04
