// ch04_echo_server/portable/worker_stats.h: the server's statistics, one slot per worker
// (portable).
//
// Replaces a row of shared std::atomic counters that every worker incremented on every
// completion: those sat on the same cache lines, so each increment took the line away from the
// other workers (false sharing), and a maximum took a compare-exchange loop. Here each worker
// owns a slot on cache lines of its own and is its only writer: an update is a plain load and
// store, and no line moves between workers. Whoever reads sums the slots.
//
// Use: WorkerStats stats{slots}; the thread that owns slot i writes only stats.worker(i) (the
// server gives one to each worker, and one each to its acceptor and housekeeper threads); any
// other thread (start-up, stop()) writes through stats.shared(), which holds a lock while it
// lives; anyone calls stats.total().
//   counters  only grow; the total is the sum.
//   gauges    (sessions alive, I/O in flight, bytes held) go up and down, often on different
//             threads: each slot holds its signed share (+1 where a session starts, -1 where it
//             ends), and the shares sum to the true value.
//   maxima    each slot keeps its own; the total is the largest.
// total() is exact once the writers are quiet (joined, or after a lock they released); while
// they run it is a sum of recent values, not a snapshot: a gauge may read off by the updates
// in flight, even below zero. So nothing may wait on a gauge here reaching zero: stop() keeps
// its own exact count of I/O in flight, and --max-sessions its own count of sessions.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace ch04 {

enum class Counter : std::size_t {
    accepted,
    closed,
    bytes_received,
    bytes_sent,
    receives,            // receives that brought data
    frames,              // packet mode: whole frames echoed
    bad_frames,          // packet mode: sessions closed for a malformed frame
    failed_accepts,      // failed AcceptEx, or a socket not set up: no session
    read_pauses,         // times a full send queue paused a session's reading
    gathered_sends,      // sends that carried more than one chunk
    buffers_reused,      // receives and echo chunks served without allocating
    skip_sessions,       // sessions whose socket got skip-on-success
    inline_completions,  // I/O that completed at once and queued no packet
    refused,             // connections closed at once: --max-sessions were alive
    idle_closed,         // sessions closed by the idle timeout
    stall_closed,        // sessions closed by the send-stall timeout
    failed_handlers,     // completions whose handler threw: only that session was closed
    accept_retries,      // accepts posted again after a delay (a resource was short)
    // The Win32 calls made, each counted at its call site, failed or not: per echoed message
    // they show what a variant costs, and they carry over to Windows unchanged.
    wsarecv_calls,   // WSARecv
    wsasend_calls,   // WSASend
    dequeue_calls,   // GetQueuedCompletionStatus(Ex), including those that timed out
    post_calls,      // PostQueuedCompletionStatus
    acceptex_calls,  // AcceptEx
    count            // (the number of counters)
};
enum class Gauge : std::size_t {
    sessions_alive,
    io_in_flight,
    held_buffer_bytes,  // the sessions' receive buffers, echo chunks, spares, partial frames
    context_bytes,      // the live sessions' contexts and their fixed-size allocations
    count
};
enum class Maximum : std::size_t {
    most_queued,         // the most echo bytes one session ever held unsent
    largest_batch,       // the most completions one dequeue returned
    most_queued_memory,  // the most memory one session's echo queue ever took
    count
};

constexpr std::size_t counter_count = static_cast<std::size_t>(Counter::count);
constexpr std::size_t gauge_count = static_cast<std::size_t>(Gauge::count);
constexpr std::size_t maximum_count = static_cast<std::size_t>(Maximum::count);

// A slot's alignment: two 64-byte cache lines, because Intel's adjacent-line prefetcher pulls
// lines in pairs, so a neighbour on the other line of a pair can still steal it.
constexpr std::size_t slot_alignment = 128;

// The sums: what total() returns.
struct StatsTotals {
    std::array<std::uint64_t, counter_count> counters{};
    std::array<std::int64_t, gauge_count> gauges{};
    std::array<std::uint64_t, maximum_count> maxima{};

    std::uint64_t operator[](Counter which) const noexcept {
        return counters[static_cast<std::size_t>(which)];
    }
    std::int64_t operator[](Gauge which) const noexcept {
        return gauges[static_cast<std::size_t>(which)];
    }
    std::uint64_t operator[](Maximum which) const noexcept {
        return maxima[static_cast<std::size_t>(which)];
    }
};

// One writer's statistics. Its writes are not read-modify-writes: one thread at a time may
// write a slot (its worker, or the holder of the shared slot's lock). Any thread may read.
class alignas(slot_alignment) StatsSlot {
public:
    void add(Counter which, std::uint64_t amount = 1) noexcept;
    void adjust(Gauge which, std::int64_t delta) noexcept;
    void raise(Maximum which, std::uint64_t value) noexcept;

    std::uint64_t get(Counter which) const noexcept;
    std::int64_t get(Gauge which) const noexcept;
    std::uint64_t get(Maximum which) const noexcept;

private:
    // Atomics only so that a reader's load is not a data race with the writer's store; every
    // access is relaxed: a total orders nothing, it only counts.
    std::array<std::atomic<std::uint64_t>, counter_count> counters_{};
    std::array<std::atomic<std::int64_t>, gauge_count> gauges_{};
    std::array<std::atomic<std::uint64_t>, maximum_count> maxima_{};
};
static_assert(alignof(StatsSlot) == slot_alignment && sizeof(StatsSlot) % slot_alignment == 0,
              "a slot must own whole cache lines, or its neighbour shares one");

// The shared slot, written by threads that are not workers: it holds the lock while it lives.
class SharedStatsWriter {
public:
    SharedStatsWriter(StatsSlot& slot, std::mutex& mutex) : lock_(mutex), slot_(slot) {}
    void add(Counter which, std::uint64_t amount = 1) noexcept { slot_.add(which, amount); }
    void adjust(Gauge which, std::int64_t delta) noexcept { slot_.adjust(which, delta); }
    void raise(Maximum which, std::uint64_t value) noexcept { slot_.raise(which, value); }
    // The slot itself, for code that takes a StatsSlot&: the lock is held while this lives.
    StatsSlot& slot() const noexcept { return slot_; }

private:
    std::lock_guard<std::mutex> lock_;
    StatsSlot& slot_;
};

class WorkerStats {
public:
    explicit WorkerStats(std::size_t workers);  // throws std::invalid_argument for 0
    WorkerStats(const WorkerStats&) = delete;
    WorkerStats& operator=(const WorkerStats&) = delete;

    std::size_t workers() const noexcept { return workers_; }
    // Worker `index`'s slot, for that worker's thread alone. Throws std::out_of_range.
    StatsSlot& worker(std::size_t index);
    // The one slot for every other thread. The writer holds the slot's lock until it is
    // destroyed: write through a temporary (stats.shared().add(...)) or a short scope. Nothing
    // else takes that lock, so it may be taken while holding any other.
    [[nodiscard]] SharedStatsWriter shared() { return SharedStatsWriter{slots_[workers_], mutex_}; }
    // The sums over every slot, the shared one included (see the note at the top).
    StatsTotals total() const noexcept;

private:
    std::size_t workers_;
    std::unique_ptr<StatsSlot[]> slots_;  // workers_ + 1: the last is the shared one
    std::mutex mutex_;                    // serialises the shared slot's writers
};

}  // namespace ch04
