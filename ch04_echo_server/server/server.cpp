// ch04_echo_server/server/server.cpp: start-up, the workers and stop() (see server.h).
//
// The parts: acceptor.cpp takes connections, session.cpp runs each session's two sides,
// housekeeper.cpp acts on time (timeouts, accept retries). This file starts them, runs the
// worker threads that dequeue completions and hand each to its part, and stops it all.
#include "server.h"

#include "acceptor.h"
#include "housekeeper.h"
#include "server_core.h"
#include "session.h"

#include "iocp/error.h"
#include "iocp/extensions.h"
#include "iocp/loopback.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ch04 {
namespace {

// Workers wake this often even when nothing happens: Wine never wakes a thread whose port was
// closed, so no wait in this server is infinite.
constexpr DWORD worker_wait_ms = 1000;
constexpr auto drain_limit = std::chrono::seconds{10};
constexpr int max_batch = 1024;  // --batch: entries one GetQueuedCompletionStatusEx takes

sockaddr_in parse_address(const std::string& text, std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (InetPtonA(AF_INET, text.c_str(), &address.sin_addr) != 1) {
        throw std::invalid_argument("--bind: '" + text + "' is not an IPv4 address");
    }
    return address;
}

const ServerOptions& checked(const ServerOptions& options) {
    if (options.accepts < 1 || options.max_pending_bytes == 0 || options.receive_size == 0) {
        throw std::invalid_argument(
            "--accepts, --max-pending-bytes and the receive size must be at least 1");
    }
    if (options.batch < 1 || options.batch > max_batch) {
        throw std::invalid_argument("--batch must be 1 to " + std::to_string(max_batch));
    }
    [[maybe_unused]] const FrameAssembler check{options.max_packet};  // throws when out of range
    return options;
}

int worker_count(int requested) {
    return requested > 0 ? requested
                         : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

class EchoServer::Impl {
public:
    Impl(const ServerOptions& options, iocp::Logger& log, IoCalls calls);
    ~Impl();

    std::uint16_t port() const noexcept { return port_; }
    int threads() const noexcept { return core_.workers(); }
    ServerCounters counters() const;
    ServerCounters stop();

private:
    void work(int index) noexcept;
    void work_rounds(SessionHandler& sessions, StatsSlot& stats);
    void dispatch(const iocp::Completion& done, SessionHandler& sessions, StatsSlot& stats);
    void dispatch_deferred(PerSocketContext* chain, SessionHandler& sessions, StatsSlot& stats);

    ServerCore core_;
    Acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::vector<std::thread> workers_;
    std::atomic<int> in_rounds_{0};  // workers not yet leaving: the last out drains the list
    std::optional<Housekeeper> housekeeper_;
    bool stopped_ = false;
    ServerCounters final_{};
    std::mutex error_mutex_;
    std::exception_ptr error_;  // a worker's failure, rethrown by stop()
};

// [snippet:startup]
EchoServer::Impl::Impl(const ServerOptions& options, iocp::Logger& log, IoCalls calls)
    : core_(checked(options), std::move(calls), log, worker_count(options.threads)),
      // Init (4장): the listening socket...
      acceptor_(core_, parse_address(options.bind, options.port)),
      port_(iocp::local_port(acceptor_.listener())) {
    if (options.skip_on_success) {
        // Accepted sockets come from the listener's provider, so its answer is theirs.
        core_.ifs_handles = iocp::has_ifs_handles(acceptor_.listener());
        if (!core_.ifs_handles) {
            log.warn("--skip-on-success is off: the Winsock provider has no IFS handles");
        }
    }
    // ...the worker threads, waiting on the port...
    in_rounds_ = core_.workers();
    for (int i = 0; i < core_.workers(); ++i) {
        workers_.emplace_back([this, i] { work(i); });
    }
    // ...and the accepting. From here a failure must stop the workers before it leaves.
    try {
        housekeeper_.emplace(core_, acceptor_);
        acceptor_.on_retry_scheduled([this] { housekeeper_->wake(); });
        acceptor_.start();
    } catch (...) {
        try {
            static_cast<void>(stop());
        } catch (const std::exception& e) {
            iocp::report_cleanup_exception("stopping a server that failed to start", e);
        }
        throw;
    }
}
// [/snippet]

EchoServer::Impl::~Impl() {
    try {
        static_cast<void>(stop());
    } catch (const std::exception& e) {
        iocp::report_cleanup_exception("stopping the echo server", e);
    }
}

// [snippet:worker]
void EchoServer::Impl::work(int index) noexcept {
    StatsSlot& stats = core_.stats.worker(static_cast<std::size_t>(index));  // this thread's
    SessionHandler sessions{core_, stats, core_.options.rounds ? &core_.deferred : nullptr};
    try {
        work_rounds(sessions, stats);
    } catch (...) {
        // The port itself failed: nothing more can be dequeued. stop() reports it.
        const std::lock_guard lock{error_mutex_};
        if (!error_) {
            error_ = std::current_exception();
        }
    }
    // Deferred receives are I/O in flight, and stop() waits for them. While a worker is still
    // in its rounds it takes them; the last one out takes the rest. Whatever completes at once
    // meanwhile goes to the port (by now stop() has closed every session). Order matters: stop
    // deferring first, then count out, so once the count is 0 no one adds to the list.
    sessions.stop_deferring();
    if (in_rounds_.fetch_sub(1) == 1) {
        while (PerSocketContext* const chain = core_.deferred.take(SIZE_MAX)) {
            dispatch_deferred(chain, sessions, stats);
        }
    }
}

// This worker's turns from the shared list: each as the packet its receive did not post.
void EchoServer::Impl::dispatch_deferred(PerSocketContext* chain, SessionHandler& sessions,
                                         StatsSlot& stats) {
    while (chain != nullptr) {
        PerSocketContext& session = *chain;
        // Read before dispatching: the handler may defer the session again (which rewrites
        // deferred_next) or free it.
        chain = session.deferred_next;
        dispatch(iocp::Completion{session.deferred_bytes, reinterpret_cast<ULONG_PTR>(&session),
                                  &session.receive.overlapped, ERROR_SUCCESS},
                 sessions, stats);
    }
}
void EchoServer::Impl::dispatch(const iocp::Completion& done, SessionHandler& sessions,
                                StatsSlot& stats) {
    const IoEnded ended{core_};  // however the handler leaves: stop() waits for this count
    try {
        // ERROR_SUCCESS, or why the I/O failed (failed_io); the context is ours either way.
        PerIoContext& io = iocp::context_of<PerIoContext>(done.overlapped);
        switch (io.type) {
            case IoType::accept:
                // `io` is the AcceptContext's first member, so both share one address.
                acceptor_.on_accept(*reinterpret_cast<AcceptContext*>(&io), done.error, sessions,
                                    stats);
                break;
            case IoType::receive:
            case IoType::zero_byte_receive:
                sessions.on_receive(iocp::key_as<PerSocketContext>(done.key), io.type, done.error,
                                    done.bytes);
                break;
            case IoType::send:
                sessions.on_send(iocp::key_as<PerSocketContext>(done.key), done.error, done.bytes);
                break;
        }
    } catch (const std::exception& e) {
        // A session's own failures end that session (session.cpp); this is what is left (an
        // accept's set-up, say). The worker goes on to its next packet.
        stats.add(Counter::failed_handlers);
        core_.log.error("a completion's handler failed: ", e.what());
    }
}
// [/snippet]

// [snippet:rounds]
// One round: packets from the port, then a share of the receives deferred by all the workers
// (--rounds), each session's one turn; what they defer waits for a later round, so a session
// with data always waiting keeps no packet waiting. The share is the list's size over the
// workers (at least one), taken after the packets, so whichever worker is free serves them and
// none keeps them. A round takes up to --batch packets, or as many as its share if more (at most
// max_batch): else each round's one packet would wait for every deferred session's turn. With
// deferred work waiting the worker does not sleep on the port.
void EchoServer::Impl::work_rounds(SessionHandler& sessions, StatsSlot& stats) {
    const auto batch = static_cast<std::size_t>(core_.options.batch);
    const auto workers = static_cast<std::size_t>(core_.workers());
    const auto share_of = [workers](std::size_t waiting) {
        return (waiting + workers - 1) / workers;
    };
    std::vector<OVERLAPPED_ENTRY> entries(batch);
    std::vector<iocp::Completion> taken;
    for (;;) {
        const std::size_t waiting = core_.deferred.size();  // a glance; 0 without --rounds
        const DWORD wait = waiting == 0 ? worker_wait_ms : 0;
        const std::size_t want =
            std::max(batch, std::min(share_of(waiting), static_cast<std::size_t>(max_batch)));
        if (entries.size() < want) {
            entries.resize(want);
        }
        taken.clear();
        DWORD error = ERROR_SUCCESS;        // when nothing was taken: why
        stats.add(Counter::dequeue_calls);  // each call, whatever it returns
        if (want == 1) {
            const iocp::Dequeued dequeued = core_.port.get(wait);
            if (dequeued.outcome == iocp::DequeueOutcome::no_packet) {
                error = dequeued.completion.error;
            } else {
                taken.push_back(dequeued.completion);  // a failed I/O too, with its error
            }
        } else {
            const iocp::DequeuedMany dequeued =
                core_.port.get_many(std::span{entries}.first(want), wait);
            error = dequeued.error;
            stats.raise(Maximum::largest_batch, dequeued.entries.size());
            for (const OVERLAPPED_ENTRY& entry : dequeued.entries) {
                // A failed I/O shows only in the entry's status (Internal): to_completion()
                // turns it into done.error, as GetQueuedCompletionStatus's FALSE would.
                taken.push_back(iocp::to_completion(entry));
            }
        }
        // Taken now, before this round defers anything: what the packets' handlers defer goes
        // to the back, for a later round (this worker's or another's).
        PerSocketContext* const turns = core_.deferred.take(share_of(core_.deferred.size()));
        int sentinels = 0;
        for (const iocp::Completion& done : taken) {
            if (done.overlapped == nullptr) {
                sentinels += done.key == stop_key ? 1 : 0;  // nothing else is posted without one
                continue;
            }
            // Even after a sentinel: each real completion is an I/O stop() counts, and its
            // context is ours again. Leaving it unhandled would leave I/O in flight.
            dispatch(done, sessions, stats);
        }
        dispatch_deferred(turns, sessions, stats);  // taken: ours to handle, sentinel or not
        if (sentinels > 0) {
            // stop() posted one per worker and this one took `sentinels`: give back all but
            // its own, so that every other worker still gets one, then leave.
            for (int extra = 1; extra < sentinels; ++extra) {
                stats.add(Counter::post_calls);
                core_.port.post(0, stop_key);
            }
            return;
        }
        if (taken.empty() && error != WAIT_TIMEOUT) {
            return;  // the port was closed under us (Windows only): leave
        }
    }
}
// [/snippet]

ServerCounters EchoServer::Impl::counters() const {
    const StatsTotals totals = core_.stats.total();
    ServerCounters counters;
    counters.accepted = totals[Counter::accepted];
    counters.closed = totals[Counter::closed];
    counters.sessions_alive = core_.sessions.alive();  // exact, unlike a sum of gauges
    counters.io_in_flight = core_.io_in_flight();
    counters.bytes_received = totals[Counter::bytes_received];
    counters.bytes_sent = totals[Counter::bytes_sent];
    counters.receives = totals[Counter::receives];
    counters.frames = totals[Counter::frames];
    counters.bad_frames = totals[Counter::bad_frames];
    counters.failed_accepts = totals[Counter::failed_accepts];
    counters.read_pauses = totals[Counter::read_pauses];
    counters.most_queued = totals[Maximum::most_queued];
    counters.most_queued_memory = totals[Maximum::most_queued_memory];
    counters.largest_batch = totals[Maximum::largest_batch];
    counters.gathered_sends = totals[Counter::gathered_sends];
    counters.buffers_reused = totals[Counter::buffers_reused];
    counters.skip_sessions = totals[Counter::skip_sessions];
    counters.inline_completions = totals[Counter::inline_completions];
    counters.refused = totals[Counter::refused];
    counters.idle_closed = totals[Counter::idle_closed];
    counters.stall_closed = totals[Counter::stall_closed];
    counters.failed_handlers = totals[Counter::failed_handlers];
    counters.accept_retries = totals[Counter::accept_retries];
    counters.accepts_posted = static_cast<std::uint64_t>(acceptor_.posted());
    counters.accepts_waiting = static_cast<std::uint64_t>(acceptor_.waiting());
    // A gauge summed while its writers run may read below zero for a moment (worker_stats.h).
    const auto bytes = [&](Gauge which) {
        return static_cast<std::uint64_t>(std::max<std::int64_t>(totals[which], 0));
    };
    counters.held_buffer_bytes = bytes(Gauge::held_buffer_bytes);
    counters.context_bytes = bytes(Gauge::context_bytes);
    counters.wsarecv_calls = totals[Counter::wsarecv_calls];
    counters.wsasend_calls = totals[Counter::wsasend_calls];
    counters.dequeue_calls = totals[Counter::dequeue_calls];
    counters.post_calls = totals[Counter::post_calls];
    counters.acceptex_calls = totals[Counter::acceptex_calls];
    return counters;
}

// [snippet:stop]
ServerCounters EchoServer::Impl::stop() {
    if (stopped_) {
        return final_;
    }
    stopped_ = true;
    core_.stopping = true;
    core_.sessions.stop();  // no session is added from here
    if (housekeeper_) {
        housekeeper_->stop();  // the timeouts' and retries' thread: leave now
    }
    // 1. Stop accepting. Closing the listener cancels the posted AcceptEx calls; each still
    //    completes (usually aborted; one that had just taken a client succeeds) and its worker
    //    closes the socket it had made.
    acceptor_.stop();
    // 2. Cancel every session's I/O; each session is freed when its last completion comes.
    {
        const auto shared = core_.stats.shared();  // not a worker: the locked slot
        SessionHandler sessions{core_, shared.slot()};
        for (const auto& session : core_.sessions.snapshot()) {
            sessions.close(*session);
        }
    }
    // 3. Wait until no I/O is in flight and no session is left (bounded).
    const bool drained = core_.wait_quiet(drain_limit);
    // 4. One sentinel per worker; each leaves on its own, and all are joined.
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        core_.stats.shared().add(Counter::post_calls);
        core_.port.post(0, stop_key);
    }
    for (std::thread& worker : workers_) {
        worker.join();
    }
    // [/snippet]
    final_ = counters();
    if (!drained) {
        // Still in flight, so still the kernel's: leak rather than free.
        core_.sessions.leak();
        acceptor_.leak();
        iocp::throw_win32_error("EchoServer::stop: I/O still in flight after 10 s", WAIT_TIMEOUT);
    }
    const std::lock_guard lock{error_mutex_};
    if (error_) {
        std::rethrow_exception(error_);
    }
    return final_;
}

EchoServer::EchoServer(const ServerOptions& options, iocp::Logger& log, IoCalls calls)
    : impl_(std::make_unique<Impl>(options, log, std::move(calls))) {}

EchoServer::~EchoServer() = default;

std::uint16_t EchoServer::port() const noexcept {
    return impl_->port();
}

int EchoServer::threads() const noexcept {
    return impl_->threads();
}

ServerCounters EchoServer::counters() const {
    return impl_->counters();
}

ServerCounters EchoServer::stop() {
    return impl_->stop();
}

}  // namespace ch04
