// ch04_echo_server/portable/session_timeouts.h: a session's idle and send-stall timeouts
// (portable, on an injected clock).
//
// One SessionTimeouts per session, told of its events under the session's lock (heard, reading
// paused or resumed, send started or completed); the reaper asks check() whether to close it and
// deadline() when to look again. No function reads a clock: each takes `now`, so tests drive
// time by hand and the server passes std::chrono::steady_clock::now().
//
// Two limits (TimeoutOptions; zero or negative: off, as both are by default):
//   idle        the client sent nothing for this long. A session whose reading is paused is
//               never idle: it is not silent, we are not listening (the queue is full).
//   send_stall  echo waits to go out and no send moved any of it for this long: the client
//               stopped reading. Applies to paused sessions too; it is what closes them.
//
// Invariants (each kept by every member function; `now` never goes backwards):
//   1. send_pending() <=> echo is queued: set by the first send_started() after the queue was
//      empty, cleared only by a send_completed() that says nothing more is queued.
//   2. last_send_progress() is the start of the current stall: the moment send_pending() last
//      became true, or the last send_completed() with > 0 bytes since then, whichever is later.
//      It is meaningless (and ignored) while !send_pending().
//   3. reading_paused() => the idle clock is stopped; reading_resumed() restarts it at `now`
//      (the silence while we did not read is not the client's).
//   4. check(now) != none <=> deadline() has a value and now >= *deadline(): a limit fires
//      when it is reached, not one tick later, so a reaper may sleep until the deadline.
#pragma once
#include <chrono>
#include <cstddef>
#include <optional>

namespace ch04 {

struct TimeoutOptions {
    std::chrono::milliseconds idle{0};        // close a session silent this long; 0: never
    std::chrono::milliseconds send_stall{0};  // close a session whose echo did not move this long
};

// Why a session should close now.
enum class CloseReason { none, idle, send_stalled };

class SessionTimeouts {
public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;

    // A session accepted at `now`: it counts as heard then, with nothing to send.
    explicit SessionTimeouts(TimePoint now) noexcept : last_heard_(now), last_progress_(now) {}

    // The client's data arrived (or a zero-byte receive said it is here).
    void heard(TimePoint now) noexcept;
    // The queue is full: no receive is posted until it drains. Calling it twice is harmless.
    void pause_reading() noexcept { reading_paused_ = true; }
    // A receive is posted again: the idle clock restarts at `now`.
    void resume_reading(TimePoint now) noexcept;
    // A send was posted. If nothing was queued before, the stall clock starts at `now`.
    void send_started(TimePoint now) noexcept;
    // A send completed with `bytes` sent; `more_queued`: echo still waits (the next send is
    // about to be posted). Only bytes > 0 count as progress.
    void send_completed(TimePoint now, std::size_t bytes, bool more_queued) noexcept;

    // Why to close the session at `now`, if a limit is reached. When both are, the one reached
    // first (idle on a tie), so the answer does not depend on how late the reaper looks.
    CloseReason check(TimePoint now, const TimeoutOptions& options) const noexcept;
    // The earliest time check() can return something other than none if nothing else happens
    // to the session; none when no limit applies. It may be in the past: check now.
    std::optional<TimePoint> deadline(const TimeoutOptions& options) const noexcept;

    TimePoint last_heard() const noexcept { return last_heard_; }
    bool reading_paused() const noexcept { return reading_paused_; }
    bool send_pending() const noexcept { return send_pending_; }
    TimePoint last_send_progress() const noexcept { return last_progress_; }

private:
    std::optional<TimePoint> idle_deadline(const TimeoutOptions& options) const noexcept;
    std::optional<TimePoint> stall_deadline(const TimeoutOptions& options) const noexcept;

    TimePoint last_heard_;
    TimePoint last_progress_;
    bool reading_paused_ = false;
    bool send_pending_ = false;
};

}  // namespace ch04
