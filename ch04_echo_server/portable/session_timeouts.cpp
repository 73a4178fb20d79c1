// ch04_echo_server/portable/session_timeouts.cpp: the idle and send-stall timeouts (see
// session_timeouts.h for the invariants).
#include "session_timeouts.h"

#include <algorithm>

namespace ch04 {
namespace {

using TimePoint = SessionTimeouts::TimePoint;
using Ticks = TimePoint::duration;

// When a limit counted from `since` is reached; none when it is off (<= 0) or lies beyond what
// the clock can represent (a limit of years: never).
std::optional<TimePoint> reached_at(TimePoint since, std::chrono::milliseconds limit) noexcept {
    if (limit <= std::chrono::milliseconds::zero()) {
        return std::nullopt;
    }
    // Converting first would overflow the clock's ticks for a huge limit (undefined behaviour).
    if (limit > std::chrono::duration_cast<std::chrono::milliseconds>(Ticks::max())) {
        return std::nullopt;
    }
    const auto ticks = std::chrono::duration_cast<Ticks>(limit);
    if (since > TimePoint::max() - ticks) {
        return std::nullopt;
    }
    return since + ticks;
}

}  // namespace

void SessionTimeouts::heard(TimePoint now) noexcept {
    last_heard_ = now;
}

void SessionTimeouts::resume_reading(TimePoint now) noexcept {
    reading_paused_ = false;
    last_heard_ = now;  // invariant 3: our not reading was not the client's silence
}

void SessionTimeouts::send_started(TimePoint now) noexcept {
    if (!send_pending_) {
        send_pending_ = true;
        last_progress_ = now;  // invariant 2: a new stall can start only from here
    }
    // Already pending: a continuation of the same echo, which moves nothing by being posted.
}

void SessionTimeouts::send_completed(TimePoint now, std::size_t bytes, bool more_queued) noexcept {
    if (bytes > 0) {
        last_progress_ = now;
    }
    send_pending_ = more_queued;
}

std::optional<TimePoint> SessionTimeouts::idle_deadline(
    const TimeoutOptions& options) const noexcept {
    if (reading_paused_) {
        return std::nullopt;
    }
    return reached_at(last_heard_, options.idle);
}

std::optional<TimePoint> SessionTimeouts::stall_deadline(
    const TimeoutOptions& options) const noexcept {
    if (!send_pending_) {
        return std::nullopt;
    }
    return reached_at(last_progress_, options.send_stall);
}

CloseReason SessionTimeouts::check(TimePoint now, const TimeoutOptions& options) const noexcept {
    const std::optional<TimePoint> idle = idle_deadline(options);
    const std::optional<TimePoint> stall = stall_deadline(options);
    const bool idle_reached = idle && now >= *idle;
    const bool stall_reached = stall && now >= *stall;
    if (idle_reached && (!stall_reached || *idle <= *stall)) {
        return CloseReason::idle;
    }
    return stall_reached ? CloseReason::send_stalled : CloseReason::none;
}

std::optional<TimePoint> SessionTimeouts::deadline(const TimeoutOptions& options) const noexcept {
    const std::optional<TimePoint> idle = idle_deadline(options);
    const std::optional<TimePoint> stall = stall_deadline(options);
    if (idle && stall) {
        return std::min(*idle, *stall);
    }
    return idle ? idle : stall;
}

}  // namespace ch04
