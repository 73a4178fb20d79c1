// ch04_echo_server/server/server_core.h: what the server's parts share (the acceptor, the
// sessions, the workers and the housekeeper): the options and calls, the port, the log, the
// statistics, the table of live sessions, and the count of I/O in flight that stop() waits on.
#pragma once
#include "contexts.h"
#include "io_calls.h"
#include "server.h"
#include "worker_stats.h"

#include "iocp/completion_port.h"
#include "iocp/log.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace ch04 {

// [snippet:session_table]
// The sessions alive. Its lock is held only to insert, erase or copy the list: a session's own
// work (posting, echo, logging) never runs under it, so one busy session cannot hold up another
// worker's accept or close. The reaper and stop() visit a copy; a session that one of them
// still holds when its last completion erases it is freed when they let go, with no I/O in
// flight.
class SessionTable {
public:
    enum class Added { yes, stopping, full };
    // Adds `session` unless stop() began or `max_sessions` (0: no limit) are alive.
    Added add(std::shared_ptr<PerSocketContext> session, std::size_t max_sessions);
    // Takes `session` out; the caller frees it by dropping what this returns. Null if it is
    // already out: two threads may both see it closing with nothing in flight.
    std::shared_ptr<PerSocketContext> remove(PerSocketContext& session);
    std::vector<std::shared_ptr<PerSocketContext>> snapshot() const;
    std::size_t alive() const noexcept { return alive_.load(); }
    // From now on add() refuses (stop() calls it first).
    void stop();
    // stop() gave up waiting: the sessions still have I/O in flight, so they are the kernel's
    // and are never freed.
    void leak();

private:
    mutable std::mutex mutex_;
    bool stopping_ = false;
    std::atomic<std::size_t> alive_{0};  // sessions_.size(), readable without the lock
    std::unordered_map<PerSocketContext*, std::shared_ptr<PerSocketContext>> sessions_;
};
// [/snippet]

// [snippet:deferred_receives]
// --rounds: the receives that completed at once on the workers, each waiting for a worker's
// round (server.cpp), oldest first. One list for all workers: whichever is free takes the next
// turns, so no worker keeps the sessions whose data keeps arriving (a list per worker let the
// two workers' loads drift apart: p99 up to 2x asio's). Intrusive, through the sessions: a
// session has one receive, so it is in the list at most once; adding never allocates, so it
// never fails, and the lock is held for a few pointer writes only.
class DeferredReceives {
public:
    // Adds `session`'s receive, done at once with `bytes`, at the back. The caller holds the
    // session's lock; the receive stays counted as in flight until a worker dispatches it.
    void push(PerSocketContext& session, DWORD bytes) noexcept;
    // Takes up to `most` from the front: a chain through deferred_next, ending in null. The
    // chain is the caller's alone; it must dispatch every one of them.
    PerSocketContext* take(std::size_t most) noexcept;
    // A glance: other workers may add or take meanwhile.
    std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

private:
    std::mutex mutex_;  // taken under a session's lock, never the other way round
    PerSocketContext* head_ = nullptr;
    PerSocketContext* tail_ = nullptr;
    std::atomic<std::size_t> size_{0};  // written under mutex_; read without it by size()
};
// [/snippet]

// WorkerStats slots beyond the workers' own: one for each thread that is not a worker.
enum class Slot : std::size_t {
    acceptor = 0,     // the blocking accept thread (--accept blocking)
    housekeeper = 1,  // the reaper and the accept retries
};
constexpr std::size_t extra_slots = 2;

class ServerCore {
public:
    ServerCore(const ServerOptions& options, IoCalls calls, iocp::Logger& log, int workers);

    const ServerOptions options;
    IoCalls calls;  // written only before the first I/O (start-up loads AcceptEx)
    iocp::Logger& log;
    iocp::CompletionPort port;
    WorkerStats stats;  // the workers' slots, then the Slot ones
    SessionTable sessions;
    DeferredReceives deferred;  // --rounds: shared by all the workers
    std::atomic<bool> stopping{false};
    bool ifs_handles = false;  // --skip-on-success: the provider's handles allow it (read-only)
    std::atomic<bool> skip_failure_logged{false};  // warn once, not once per session

    int workers() const noexcept { return workers_; }
    StatsSlot& slot(Slot which) { return stats.worker(workers_ + static_cast<std::size_t>(which)); }

    // The exact count of I/O in flight: stop() waits for it (and the sessions) to reach 0.
    void io_started() noexcept { ++io_in_flight_; }
    void io_ended() noexcept;
    std::uint64_t io_in_flight() const noexcept { return io_in_flight_.load(); }
    // A session was freed: stop() may be waiting for the last one.
    void session_freed();
    // Waits until no I/O is in flight and no session is alive; false after `limit`.
    bool wait_quiet(std::chrono::milliseconds limit);

private:
    int workers_;
    std::atomic<std::uint64_t> io_in_flight_{0};
    // Taken last, under any other lock, and nothing else is taken under it.
    std::mutex quiet_mutex_;
    std::condition_variable quiet_;
};

// Ends one I/O for stop()'s count when it leaves scope, however its handler left.
class IoEnded {
public:
    explicit IoEnded(ServerCore& core) noexcept : core_(core) {}
    ~IoEnded() { core_.io_ended(); }
    IoEnded(const IoEnded&) = delete;
    IoEnded& operator=(const IoEnded&) = delete;

private:
    ServerCore& core_;
};

}  // namespace ch04
