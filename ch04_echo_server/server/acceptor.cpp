// ch04_echo_server/server/acceptor.cpp: AcceptEx slots that are never lost, and the notes'
// blocking accept loop (see acceptor.h).
#include "acceptor.h"

#include "iocp/error.h"
#include "iocp/extensions.h"
#include "iocp/loopback.h"

#include <algorithm>
#include <system_error>

namespace ch04 {
namespace {

// After this many immediate failures in a row a slot waits, so that a storm of resets cannot
// keep a worker reposting.
constexpr int immediate_retries = 8;
constexpr std::chrono::milliseconds first_delay{50};
constexpr std::chrono::milliseconds longest_delay{1000};

// A client that reset while it waited in the backlog: that connection is gone, the next one
// may be fine, so the slot is posted again at once.
bool client_reset(DWORD error) {
    return error == WSAECONNRESET || error == ERROR_NETNAME_DELETED;
}

}  // namespace

Acceptor::Acceptor(ServerCore& core, const sockaddr_in& address)
    : core_(core), listener_(iocp::make_tcp_socket()) {
    iocp::check_wsa(
        bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
        "bind");
    iocp::check_wsa(listen(listener_.get(), SOMAXCONN), "listen");
}

Acceptor::~Acceptor() {
    stop();
}

void Acceptor::start() {
    if (core_.options.accept == AcceptMode::blocking) {
        thread_ = std::thread([this] { accept_blocking(); });
        return;
    }
    if (!core_.calls.accept_ex) {
        core_.calls.accept_ex = iocp::load_accept_ex(listener_.get());
    }
    core_.port.associate(listener_.get(), listener_key);
    const auto shared = core_.stats.shared();  // not a worker: the locked slot
    const std::lock_guard lock{mutex_};
    for (int i = 0; i < core_.options.accepts; ++i) {
        accepts_.push_back(std::make_unique<AcceptContext>());
        post_locked(*accepts_.back(), shared.slot(), first_delay);
    }
}

// [snippet:post_accept]
// Posts `accept`, or failing that schedules it: a slot is never dropped while the server runs.
void Acceptor::post_locked(AcceptContext& accept, StatsSlot& stats,
                           std::chrono::milliseconds delay) {
    if (core_.stopping || !listener_) {
        return;  // stop() closed the listener: this slot ends here
    }
    for (int attempt = 1;; ++attempt) {
        const DWORD error = try_post_locked(accept, stats);
        if (error == ERROR_SUCCESS) {
            ++posted_;
            return;
        }
        stats.add(Counter::failed_accepts);
        if (!client_reset(error) || attempt == immediate_retries) {
            // Short of sockets or memory, say: try again later, not in a tight loop.
            core_.log.warn("an accept failed at once (error ", error, "); trying again in ",
                           delay.count(), " ms");
            waiting_.push_back({&accept, Clock::now() + delay, std::min(2 * delay, longest_delay)});
            if (wake_) {
                wake_();
            }
            return;
        }
        core_.log.debug("an accept failed at once (error ", error, "); posting it again");
    }
}

// ERROR_SUCCESS when the AcceptEx call is in flight; else why not, with nothing left over.
DWORD Acceptor::try_post_locked(AcceptContext& accept, StatsSlot& stats) {
    try {
        accept.socket = core_.calls.make_socket().release();  // the accepted connection's socket
    } catch (const std::system_error& e) {
        return static_cast<DWORD>(e.code().value());
    }
    accept.io.overlapped = WSAOVERLAPPED{};  // reused: its previous accept has completed
    DWORD bytes = 0;
    core_.io_started();
    // No data is read with the accept (0): a client that connects and stays silent must not
    // hold an accept hostage. From here `accept` is the kernel's until its completion.
    stats.add(Counter::acceptex_calls);
    if (!core_.calls.accept_ex(listener_.get(), accept.socket, accept.addresses.data(), 0,
                               address_room, address_room, &bytes, &accept.io.overlapped)) {
        const int error = WSAGetLastError();
        if (error != ERROR_IO_PENDING) {
            core_.io_ended();  // failed at once: no completion will come
            closesocket(accept.socket);
            accept.socket = INVALID_SOCKET;
            return static_cast<DWORD>(error);
        }
    }
    return ERROR_SUCCESS;
}
// [/snippet]

// [snippet:on_accept]
void Acceptor::on_accept(AcceptContext& accept, DWORD error, SessionHandler& sessions,
                         StatsSlot& stats) {
    iocp::UniqueSocket socket{accept.socket};  // ours again: the accept has completed
    accept.socket = INVALID_SOCKET;
    {
        const std::lock_guard lock{mutex_};
        --posted_;
    }
    if (core_.stopping) {
        return;  // the listener was closed: cancelled (or just succeeded); `socket` closes
    }
    if (error != ERROR_SUCCESS) {
        // A client that reset before we took it (ERROR_NETNAME_DELETED): not a connection.
        stats.add(Counter::failed_accepts);
        core_.log.debug("an accept failed (error ", error, "); posting another");
    } else {
        try {
            {
                // The call names the listener, which stop() closes under mutex_: hold it, or
                // the value could name a closed (or reused) handle.
                const std::lock_guard lock{mutex_};
                if (core_.stopping || !listener_) {
                    return;  // `socket` closes; the slot is not posted again
                }
                // The accepted socket takes the listener's properties only when told to.
                const SOCKET listener = listener_.get();
                iocp::check_wsa(
                    setsockopt(socket.get(), SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                               reinterpret_cast<const char*>(&listener), sizeof(listener)),
                    "setsockopt(SO_UPDATE_ACCEPT_CONTEXT)");
            }
            sessions.start(std::move(socket));
        } catch (const std::exception& e) {
            // A set-up call failed, or memory ran short: not a session, counted so that the
            // sums add up. This connection alone is lost; the slot is posted again below.
            stats.add(Counter::failed_accepts);
            core_.log.warn("dropping a new connection: ", e.what());
        }
    }
    const std::lock_guard lock{mutex_};
    if (!core_.stopping) {
        post_locked(accept, stats, first_delay);
    }
}
// [/snippet]

void Acceptor::retry_due(Clock::time_point now) {
    const auto shared = core_.stats.shared();
    const std::lock_guard lock{mutex_};
    std::vector<Waiting> due;
    std::erase_if(waiting_, [&](const Waiting& entry) {
        if (entry.due > now) {
            return false;
        }
        due.push_back(entry);
        return true;
    });
    for (const Waiting& entry : due) {
        shared.slot().add(Counter::accept_retries);
        post_locked(*entry.accept, shared.slot(), entry.delay);
    }
}

std::optional<Acceptor::Clock::time_point> Acceptor::next_retry() const {
    const std::lock_guard lock{mutex_};
    std::optional<Clock::time_point> earliest;
    for (const Waiting& entry : waiting_) {
        if (!earliest || entry.due < *earliest) {
            earliest = entry.due;
        }
    }
    return earliest;
}

int Acceptor::posted() const {
    const std::lock_guard lock{mutex_};
    return posted_;
}

int Acceptor::waiting() const {
    const std::lock_guard lock{mutex_};
    return static_cast<int>(waiting_.size());
}

void Acceptor::stop() noexcept {
    if (thread_.joinable()) {
        thread_.join();  // it looks at core_.stopping every 100 ms
    }
    const std::lock_guard lock{mutex_};
    waiting_.clear();
    // Closing the listener cancels the posted AcceptEx calls; each still completes (usually
    // aborted; one that had just taken a client succeeds), and its worker closes the socket.
    listener_.reset();  // reports, not throws
}

void Acceptor::leak() noexcept {
    const std::lock_guard lock{mutex_};
    for (auto& accept : accepts_) {
        static_cast<void>(accept.release());  // still the kernel's: never freed
    }
}

void Acceptor::accept_blocking() noexcept {
    SessionHandler sessions{core_, core_.slot(Slot::acceptor)};
    StatsSlot& stats = core_.slot(Slot::acceptor);
    // The notes' accept loop: accept() blocks, so the loop looks every 100 ms whether to stop.
    while (!core_.stopping) {
        try {
            fd_set readable;
            FD_ZERO(&readable);
            FD_SET(listener_.get(), &readable);
            timeval wait{0, 100'000};
            if (iocp::check_wsa(select(0, &readable, nullptr, nullptr, &wait), "select") == 0) {
                continue;
            }
            iocp::UniqueSocket socket{accept(listener_.get(), nullptr, nullptr)};
            if (!socket) {
                stats.add(Counter::failed_accepts);
                continue;
            }
            sessions.start(std::move(socket));
        } catch (const std::system_error& e) {
            stats.add(Counter::failed_accepts);  // select, accept or the new socket's set-up
            core_.log.warn("accept: ", e.what());
        }
    }
}

}  // namespace ch04
