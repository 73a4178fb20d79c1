// ch04_echo_server/server/acceptor.h: the listening socket and the accepting (4장: 초기화).
//
// AcceptEx mode (the default): `--accepts` AcceptEx calls are kept posted on the listener, each
// with a socket made in advance; a worker takes each completion, starts a session and posts the
// same slot again. No slot is ever lost while the server runs: an AcceptEx that fails at once
// (a client that reset while in the backlog: WSAECONNRESET) is posted again at once, as a
// failed completion is; one that fails for want of a resource (no socket, no memory) waits and
// is tried again after a delay that doubles up to a second. posted() + waiting() == --accepts
// whenever no slot is between the two, and tests check it.
//
// Blocking mode (--accept blocking, the notes' loop): one thread calls accept() and starts each
// session; it looks every 100 ms whether to stop.
#pragma once
#include "contexts.h"
#include "server_core.h"
#include "session.h"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ch04 {

class Acceptor {
public:
    using Clock = std::chrono::steady_clock;

    // Binds and listens (throws std::system_error: WSAEADDRINUSE for a port in use).
    Acceptor(ServerCore& core, const sockaddr_in& address);
    ~Acceptor();  // stop()
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;

    SOCKET listener() const noexcept { return listener_.get(); }
    // Posts the AcceptEx calls, or starts the blocking accept thread.
    void start();
    // A worker dequeued an AcceptEx completion: start its session, post the slot again.
    void on_accept(AcceptContext& accept, DWORD error, SessionHandler& sessions, StatsSlot& stats);
    // The housekeeper: post the slots whose retry time has come; when the next one is due.
    void retry_due(Clock::time_point now);
    std::optional<Clock::time_point> next_retry() const;
    // Stops accepting: closes the listener (the posted AcceptEx calls complete, cancelled) and
    // joins the blocking thread. Calls waiting for a retry are dropped.
    void stop() noexcept;
    // stop() gave up waiting: the posted calls are still the kernel's, never to be freed.
    void leak() noexcept;

    int posted() const;   // AcceptEx calls in flight
    int waiting() const;  // slots waiting for their retry
    // The housekeeper's alarm: called when a retry is scheduled.
    void on_retry_scheduled(std::function<void()> wake) { wake_ = std::move(wake); }

private:
    struct Waiting {
        AcceptContext* accept;
        Clock::time_point due;
        std::chrono::milliseconds delay;  // the next delay doubles this
    };
    void post_locked(AcceptContext& accept, StatsSlot& stats, std::chrono::milliseconds delay);
    DWORD try_post_locked(AcceptContext& accept, StatsSlot& stats);
    void accept_blocking() noexcept;

    ServerCore& core_;
    iocp::UniqueSocket listener_;
    // Orders posting against closing the listener, and guards what follows.
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<AcceptContext>> accepts_;
    std::vector<Waiting> waiting_;
    int posted_ = 0;
    std::function<void()> wake_;
    std::thread thread_;  // blocking mode only
};

}  // namespace ch04
