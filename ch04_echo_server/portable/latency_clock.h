// ch04_echo_server/portable/latency_clock.h: when each message of a connection was due, and
// the window a run's rate is measured over (portable: no windows.h).
//
// What the client's latency measures. A connection keeps up to P (--pipeline) messages in
// flight, closed loop: message s may go out once the echo of message s - P is back whole. So
// message s is *due* at the later of
//   its window   s < P: no echo to wait for; s >= P: the moment the echo of s - P completed;
//   its gate     the moment the run let the connection send at all: its ConnectEx completed,
//                and in warm-up runs (for every message but the first) the warm-up ended.
// An echo *completes* when the worker that dequeued the receive holding its last byte reads the
// clock, before checking the bytes. A message's latency is its echo's completion minus its due
// time. That includes everything after the moment it could have gone out: waiting behind the
// connection's previous send (one WSASend is in flight per connection, and a due message waits
// for its completion), building the chunk, the send, the server, the way back, and the
// receive's wait in the port's queue. Timing from the start of its send, as the client did
// before, left out the wait behind the previous send: queueing in the client was invisible.
//
// It is still closed-loop latency: a server that stalls delays the due times of the messages
// after the stall too, so the stall is counted once per message in flight, not once per message
// a steady sender would have sent meanwhile (that needs an open-loop schedule).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ch04 {

// One connection's due times: a ring of P, as at most P messages are in flight. Messages go
// out in order, at most P ahead of the echo, and their echoes complete in order. Not
// thread-safe: it belongs to its connection, under the connection's lock.
class LatencyClock {
public:
    using Clock = std::chrono::steady_clock;

    // `pipeline`: P, at least 1 (std::invalid_argument otherwise).
    explicit LatencyClock(std::size_t pipeline);

    // When message `sequence` is due if its gate is `gate`: the later of its window and gate.
    Clock::time_point due(std::uint64_t sequence, Clock::time_point gate) const noexcept;
    // Message `sequence` goes out: its due time, due(sequence, gate), is kept until its echo.
    void release(std::uint64_t sequence, Clock::time_point gate) noexcept;
    // Message `sequence`'s echo completed at `at`. Returns its due time; message sequence + P
    // is due at `at` (before its gate).
    Clock::time_point echoed(std::uint64_t sequence, Clock::time_point at) noexcept;

private:
    // due_[s % P]: the due time of message s, the oldest not yet echoed in that place (before
    // release: its window only).
    std::vector<Clock::time_point> due_;
};

// The window a run's rate is counted over: from the run's start (the first connect, or the
// warm-up's end) to the completion of the last echo of a measured message. The drain and the
// orderly closes after it are not in it. Each worker keeps one; they merge after the join.
class MeasuredWindow {
public:
    using Clock = std::chrono::steady_clock;

    void echoed(Clock::time_point at) noexcept;  // a measured message's echo completed
    void merge(const MeasuredWindow& other) noexcept;

    // The window's length from `start` in seconds; 0 when no message was measured.
    double seconds_from(Clock::time_point start) const noexcept;

private:
    std::optional<Clock::time_point> last_;
};

}  // namespace ch04
