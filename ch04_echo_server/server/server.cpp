// ch04_echo_server/server/server.cpp: the IOCP echo server (see server.h).
#include "server.h"

#include "iocp/completion_port.h"
#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace ch04 {
namespace {

// Workers wake this often even when nothing happens: Wine never wakes a thread whose port was
// closed, so no wait in this server is infinite.
constexpr DWORD worker_wait_ms = 1000;
constexpr auto drain_limit = std::chrono::seconds{10};
// Completion keys: a session's key is its PerSocketContext's address, never 0 or 1.
constexpr ULONG_PTR stop_key = 0;      // the sentinel that ends a worker
constexpr ULONG_PTR listener_key = 1;  // AcceptEx completions, which arrive on the listener
// AcceptEx wants room for each address plus 16 bytes.
constexpr DWORD address_room = sizeof(sockaddr_in) + 16;

// [snippet:contexts]
enum class IoType { accept, receive, zero_byte_receive, send };

struct PerSocketContext;

// One I/O request. The OVERLAPPED comes first, so the OVERLAPPED* a completion hands back is
// this context; `type` says what finished. It is in flight from its call until its completion
// is dequeued, and is never reused before that.
struct PerIoContext {
    WSAOVERLAPPED overlapped{};
    IoType type = IoType::receive;
    WSABUF wsabuf{};
};
static_assert(std::is_standard_layout_v<PerIoContext>);

// One client: the completion key of its socket. It owns one context per direction, so a
// receive and a send can be in flight together (full duplex), never two of the same kind.
struct PerSocketContext {
    PerIoContext receive{{}, IoType::receive, {}};
    PerIoContext send{{}, IoType::send, {}};
    iocp::UniqueSocket socket;
    std::mutex mutex;  // the fields below, touched by whichever workers hold its completions
    std::vector<std::byte> receive_buffer;     // receive.wsabuf points here while in flight
    std::deque<std::vector<std::byte>> queue;  // echo to send, in order
    std::size_t queued_bytes = 0;
    std::size_t sent_of_front = 0;  // a partial send continues from here
    int outstanding = 0;            // I/O in flight: freed only when this is 0 and closing
    bool receiving = false;
    bool sending = false;
    bool reading_paused = false;  // the queue is full: no receive until it drains
    bool data_waiting = false;    // zero-byte mode: the zero-byte receive said data is here
    bool peer_done = false;       // the peer closed its side: finish the echo, then close
    bool closing = false;
    std::optional<FrameAssembler> frames;  // packet mode
};
// [/snippet]

// An AcceptEx request: the context first, then the socket it fills and the address room.
struct AcceptContext {
    PerIoContext io{{}, IoType::accept, {}};
    SOCKET socket = INVALID_SOCKET;  // owned while in flight; handed to a session on success
    std::array<std::byte, 2 * address_room> addresses{};
};
static_assert(std::is_standard_layout_v<AcceptContext>);

template <class Function>
Function extension_function(SOCKET socket, GUID id, const char* name) {
    Function function = nullptr;
    DWORD bytes = 0;
    iocp::check_wsa(WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &function,
                             sizeof(function), &bytes, nullptr, nullptr),
                    name);
    return function;
}

sockaddr_in parse_address(const std::string& text, std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (InetPtonA(AF_INET, text.c_str(), &address.sin_addr) != 1) {
        throw std::invalid_argument("--bind: '" + text + "' is not an IPv4 address");
    }
    return address;
}

int default_threads(int requested) {
    return requested > 0 ? requested
                         : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

class EchoServer::Impl {
public:
    Impl(const ServerOptions& options, iocp::Logger& log);
    ~Impl();

    std::uint16_t port() const noexcept { return port_; }
    int threads() const noexcept { return static_cast<int>(workers_.size()); }
    ServerCounters counters() const;
    ServerCounters stop();

private:
    void work() noexcept;
    void dispatch(const iocp::Dequeued& dequeued);
    // Accepting.
    void post_accept(AcceptContext& accept);
    void on_accept(AcceptContext& accept, DWORD error);
    void accept_blocking() noexcept;
    void start_session(iocp::UniqueSocket socket);
    // A session's I/O; the *_locked functions run with its mutex held.
    bool post_receive_locked(PerSocketContext& session);
    bool post_send_locked(PerSocketContext& session);
    void close_locked(PerSocketContext& session);
    void on_receive(PerSocketContext& session, IoType type, DWORD error, DWORD bytes);
    void on_send(PerSocketContext& session, DWORD error, DWORD bytes);
    void echo_locked(PerSocketContext& session, std::span<const std::byte> data);
    void free_session(PerSocketContext& session);
    void io_started() noexcept { ++io_in_flight_; }
    void io_ended();

    ServerOptions options_;
    iocp::Logger& log_;
    iocp::UniqueSocket listener_;
    std::uint16_t port_ = 0;
    iocp::CompletionPort port_handle_;
    LPFN_ACCEPTEX accept_ex_ = nullptr;
    std::mutex accept_mutex_;  // orders re-posting an accept against closing the listener
    std::vector<std::unique_ptr<AcceptContext>> accepts_;

    mutable std::mutex mutex_;  // sessions_ and error_; taken before a session's mutex
    std::unordered_map<PerSocketContext*, std::unique_ptr<PerSocketContext>> sessions_;
    // stop() waits on quiet_ for no I/O in flight and no session alive. quiet_mutex_ is taken
    // last, under any other lock, and nothing else is taken under it.
    std::mutex quiet_mutex_;
    std::condition_variable quiet_;
    std::atomic<std::uint64_t> alive_{0};
    std::atomic<bool> stopping_{false};
    bool stopped_ = false;
    ServerCounters final_{};
    std::exception_ptr error_;  // guarded by mutex_

    std::atomic<std::uint64_t> io_in_flight_{0};
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> closed_{0};
    std::atomic<std::uint64_t> bytes_received_{0};
    std::atomic<std::uint64_t> bytes_sent_{0};
    std::atomic<std::uint64_t> receives_{0};
    std::atomic<std::uint64_t> frames_{0};
    std::atomic<std::uint64_t> bad_frames_{0};
    std::atomic<std::uint64_t> failed_accepts_{0};
    std::atomic<std::uint64_t> read_pauses_{0};
    std::atomic<std::uint64_t> most_queued_{0};

    std::vector<std::thread> workers_;
    std::thread acceptor_;  // blocking accept mode only
};

EchoServer::Impl::Impl(const ServerOptions& options, iocp::Logger& log)
    : options_(options),
      log_(log),
      port_handle_(iocp::CompletionPort::create(options.concurrency)) {
    if (options.accepts < 1 || options.max_pending_bytes == 0 || options.receive_size == 0) {
        throw std::invalid_argument(
            "--accepts, --max-pending-bytes and the receive size must be "
            "at least 1");
    }
    [[maybe_unused]] const FrameAssembler check{options.max_packet};  // throws when out of range
    // Init (4장): the listening socket...
    const sockaddr_in address = parse_address(options.bind, options.port);
    listener_ = iocp::make_tcp_socket();
    iocp::check_wsa(
        bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
        "bind");
    iocp::check_wsa(listen(listener_.get(), SOMAXCONN), "listen");
    port_ = iocp::local_port(listener_.get());
    // ...the worker threads, waiting on the port...
    for (int i = 0; i < default_threads(options.threads); ++i) {
        workers_.emplace_back([this] { work(); });
    }
    // ...and the accepting. From here a failure must stop the workers before it leaves.
    try {
        if (options.accept == AcceptMode::blocking) {
            acceptor_ = std::thread([this] { accept_blocking(); });
            return;
        }
        accept_ex_ = extension_function<LPFN_ACCEPTEX>(listener_.get(), WSAID_ACCEPTEX, "WSAIoctl");
        port_handle_.associate(listener_.get(), listener_key);
        for (int i = 0; i < options.accepts; ++i) {
            accepts_.push_back(std::make_unique<AcceptContext>());
            post_accept(*accepts_.back());
        }
    } catch (...) {
        try {
            static_cast<void>(stop());
        } catch (const std::exception& e) {
            iocp::report_cleanup_exception("stopping a server that failed to start", e);
        }
        throw;
    }
}

EchoServer::Impl::~Impl() {
    try {
        static_cast<void>(stop());
    } catch (const std::exception& e) {
        iocp::report_cleanup_exception("stopping the echo server", e);
    }
}

void EchoServer::Impl::io_ended() {
    if (--io_in_flight_ == 0 && stopping_) {
        const std::lock_guard lock{quiet_mutex_};
        quiet_.notify_all();
    }
}

// [snippet:post_accept]
void EchoServer::Impl::post_accept(AcceptContext& accept) {
    accept.io.overlapped = WSAOVERLAPPED{};             // reused: its previous accept has completed
    accept.socket = iocp::make_tcp_socket().release();  // the accepted connection's socket
    DWORD bytes = 0;
    io_started();
    // No data is read with the accept (0): a client that connects and stays silent must not
    // hold an accept hostage.
    if (!accept_ex_(listener_.get(), accept.socket, accept.addresses.data(), 0, address_room,
                    address_room, &bytes, &accept.io.overlapped)) {
        const int error = WSAGetLastError();
        if (error != ERROR_IO_PENDING) {
            io_ended();  // failed at once: no completion will come
            closesocket(accept.socket);
            accept.socket = INVALID_SOCKET;
            iocp::throw_win32_error("AcceptEx", static_cast<DWORD>(error));
        }
    }
}
// [/snippet]

void EchoServer::Impl::on_accept(AcceptContext& accept, DWORD error) {
    iocp::UniqueSocket socket{accept.socket};  // ours again: the accept has completed
    accept.socket = INVALID_SOCKET;
    if (stopping_) {
        return;  // the listener was closed: this accept was cancelled; `socket` closes
    }
    if (error != ERROR_SUCCESS) {
        // A client that reset before we took it (ERROR_NETNAME_DELETED): not a connection.
        ++failed_accepts_;
        log_.debug("an accept failed (error ", error, "); posting another");
    } else {
        try {
            // The accepted socket takes the listener's properties only when told to.
            const SOCKET listener = listener_.get();
            iocp::check_wsa(setsockopt(socket.get(), SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                                       reinterpret_cast<const char*>(&listener), sizeof(listener)),
                            "setsockopt(SO_UPDATE_ACCEPT_CONTEXT)");
            start_session(std::move(socket));
        } catch (const std::system_error& e) {
            log_.warn("dropping a new connection: ", e.what());  // it alone is lost
        }
    }
    try {
        // Under accept_mutex_, so that stop() cannot close the listener between this check
        // and the AcceptEx call, which would then name a closed (or reused) handle.
        const std::lock_guard lock{accept_mutex_};
        if (!stopping_) {
            post_accept(accept);
        }
    } catch (const std::system_error& e) {
        // Out of sockets, say: one accept slot fewer, the server and its sessions go on.
        log_.error("an accept slot is lost: ", e.what());
    }
}

void EchoServer::Impl::accept_blocking() noexcept {
    // The notes' accept loop: accept() blocks, so the loop looks every 100 ms whether to stop.
    while (!stopping_) {
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
                ++failed_accepts_;
                continue;
            }
            start_session(std::move(socket));
        } catch (const std::exception& e) {
            log_.warn("accept: ", e.what());
        }
    }
}

// [snippet:start_session]
void EchoServer::Impl::start_session(iocp::UniqueSocket socket) {
    const BOOL no_delay = TRUE;  // an echo is small and answered at once: do not batch it
    iocp::check_wsa(setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY,
                               reinterpret_cast<const char*>(&no_delay), sizeof(no_delay)),
                    "setsockopt(TCP_NODELAY)");
    auto owned = std::make_unique<PerSocketContext>();
    PerSocketContext& session = *owned;
    session.socket = std::move(socket);
    if (options_.protocol == Protocol::packet) {
        session.frames.emplace(options_.max_packet);
    }
    // The completion key is the session: every completion on this socket leads back to it.
    port_handle_.associate(session.socket.get(), reinterpret_cast<ULONG_PTR>(&session));
    const std::lock_guard lock{mutex_};
    if (stopping_) {
        return;  // nothing posted yet: `owned` frees it
    }
    sessions_.emplace(&session, std::move(owned));
    ++alive_;
    ++accepted_;
    const std::lock_guard session_lock{session.mutex};
    // The first receive, posted now: overlapped I/O is "request first, result later", and a
    // session with nothing posted would never hear its client (4장: 초기 Recv걸기).
    if (!post_receive_locked(session)) {
        close_locked(session);  // nothing in flight: freed below by whoever sees it last
    }
}
// [/snippet]

bool EchoServer::Impl::post_receive_locked(PerSocketContext& session) {
    const bool zero_byte = options_.zero_byte_recv && !session.data_waiting;
    session.receive.overlapped = WSAOVERLAPPED{};  // reused: its previous receive completed
    session.receive.type = zero_byte ? IoType::zero_byte_receive : IoType::receive;
    if (zero_byte) {
        // No buffer: nothing is locked in memory while the client is silent. The completion
        // says only "data is here"; the real receive follows.
        session.receive.wsabuf = WSABUF{0, nullptr};
    } else {
        session.receive_buffer.resize(options_.receive_size);
        session.receive.wsabuf.buf = reinterpret_cast<char*>(session.receive_buffer.data());
        session.receive.wsabuf.len = static_cast<ULONG>(session.receive_buffer.size());
    }
    DWORD flags = 0;
    ++session.outstanding;
    io_started();
    session.receiving = true;
    if (WSARecv(session.socket.get(), &session.receive.wsabuf, 1, nullptr, &flags,
                &session.receive.overlapped, nullptr) == SOCKET_ERROR &&
        WSAGetLastError() != WSA_IO_PENDING) {
        // Failed at once: no completion will come, so undo the counts here (and only here).
        --session.outstanding;
        io_ended();
        session.receiving = false;
        return false;
    }
    return true;
}

bool EchoServer::Impl::post_send_locked(PerSocketContext& session) {
    std::vector<std::byte>& front = session.queue.front();
    session.send.overlapped = WSAOVERLAPPED{};  // reused: its previous send completed
    session.send.wsabuf.buf = reinterpret_cast<char*>(front.data() + session.sent_of_front);
    session.send.wsabuf.len = static_cast<ULONG>(front.size() - session.sent_of_front);
    ++session.outstanding;
    io_started();
    session.sending = true;
    // The queue's front chunk is the send's buffer: it stays in the deque, unmoved (a deque
    // never moves its elements' heap buffers), until this send's completion is dequeued.
    if (WSASend(session.socket.get(), &session.send.wsabuf, 1, nullptr, 0, &session.send.overlapped,
                nullptr) == SOCKET_ERROR &&
        WSAGetLastError() != WSA_IO_PENDING) {
        --session.outstanding;
        io_ended();
        session.sending = false;
        return false;
    }
    return true;
}

// [snippet:close_locked]
void EchoServer::Impl::close_locked(PerSocketContext& session) {
    if (session.closing) {
        return;
    }
    session.closing = true;
    // Cancel what is in flight; each cancelled request still completes (aborted), and the
    // session is freed by whichever completion brings `outstanding` to 0. The socket stays open
    // until then, so no other socket can take its handle value while requests still name it.
    if (session.outstanding > 0 &&
        !CancelIoEx(reinterpret_cast<HANDLE>(session.socket.get()), nullptr)) {
        const DWORD error = GetLastError();
        if (error != ERROR_NOT_FOUND) {
            iocp::report_cleanup_failure("CancelIoEx", error);
        }
    }
}
// [/snippet]

void EchoServer::Impl::echo_locked(PerSocketContext& session, std::span<const std::byte> data) {
    FrameError error = FrameError::none;
    if (!session.frames) {
        session.queue.emplace_back(data.begin(), data.end());
        session.queued_bytes += data.size();
    } else {
        std::vector<std::span<const std::byte>> whole;
        error = session.frames->feed(data, whole);
        for (const std::span<const std::byte> frame : whole) {
            session.queue.emplace_back(frame.begin(), frame.end());  // echoed whole, in order
            session.queued_bytes += frame.size();
            ++frames_;
        }
    }
    std::uint64_t most = most_queued_.load();
    while (session.queued_bytes > most &&
           !most_queued_.compare_exchange_weak(most, session.queued_bytes)) {
    }
    if (error != FrameError::none) {
        ++bad_frames_;
        log_.warn("closing a session: ", describe(error), " (size ", session.frames->bad_size(),
                  ")");
        close_locked(session);
    }
}

// [snippet:on_receive]
void EchoServer::Impl::on_receive(PerSocketContext& session, IoType type, DWORD error,
                                  DWORD bytes) {
    bool free_now = false;
    {
        const std::lock_guard lock{session.mutex};
        --session.outstanding;  // this receive is over
        session.receiving = false;
        bytes_received_ += bytes;
        if (error != ERROR_SUCCESS || session.closing) {
            close_locked(session);  // failed (reset, cancelled): the session ends
        } else if (type == IoType::zero_byte_receive) {
            // Data (or the peer's FIN) is here: the real receive now completes at once.
            session.data_waiting = true;
            if (!post_receive_locked(session)) {
                close_locked(session);
            }
        } else if (bytes == 0) {
            // 0 bytes on a receive that had room: the peer closed its side. Finish the echo.
            session.peer_done = true;
            if (!session.sending) {
                close_locked(session);
            }
        } else {
            ++receives_;
            echo_locked(session, std::span{session.receive_buffer.data(), bytes});
            if (options_.zero_byte_recv) {
                session.data_waiting = false;
                session.receive_buffer = {};  // idle again: hold no buffer
            }
            if (!session.closing && !session.sending && !session.queue.empty() &&
                !post_send_locked(session)) {
                close_locked(session);
            }
            if (!session.closing) {
                if (session.queued_bytes >= options_.max_pending_bytes) {
                    // The client sends faster than it reads our echo: stop reading until the
                    // queue drains, so a client that never reads costs at most this much.
                    session.reading_paused = true;
                    ++read_pauses_;
                } else if (!post_receive_locked(session)) {
                    close_locked(session);
                }
            }
        }
        free_now = session.closing && session.outstanding == 0;
    }
    if (free_now) {
        free_session(session);
    }
}
// [/snippet]

void EchoServer::Impl::on_send(PerSocketContext& session, DWORD error, DWORD bytes) {
    bool free_now = false;
    {
        const std::lock_guard lock{session.mutex};
        --session.outstanding;  // this send is over: its chunk may be dropped now
        session.sending = false;
        bytes_sent_ += bytes;
        if (error != ERROR_SUCCESS || session.closing) {
            close_locked(session);
        } else {
            // A partial send continues where it stopped; whole chunks leave the queue.
            session.sent_of_front += bytes;
            while (!session.queue.empty() &&
                   session.sent_of_front >= session.queue.front().size()) {
                session.sent_of_front -= session.queue.front().size();
                session.queued_bytes -= session.queue.front().size();
                session.queue.pop_front();
            }
            if (!session.queue.empty()) {
                if (!post_send_locked(session)) {
                    close_locked(session);
                }
            } else if (session.peer_done) {
                close_locked(session);  // everything the peer sent has been echoed
            }
            if (!session.closing && session.reading_paused &&
                session.queued_bytes <= options_.max_pending_bytes / 2) {
                session.reading_paused = false;
                if (!post_receive_locked(session)) {
                    close_locked(session);
                }
            }
        }
        free_now = session.closing && session.outstanding == 0;
    }
    if (free_now) {
        free_session(session);
    }
}

void EchoServer::Impl::free_session(PerSocketContext& session) {
    std::unique_ptr<PerSocketContext> owned;
    {
        const std::lock_guard lock{mutex_};
        const auto found = sessions_.find(&session);
        owned = std::move(found->second);
        sessions_.erase(found);
    }
    ++closed_;
    if (--alive_ == 0 && stopping_) {
        const std::lock_guard lock{quiet_mutex_};
        quiet_.notify_all();
    }
    // [snippet:free_session]
    // Freed here, outside every lock: its last I/O has completed (outstanding == 0 and closing,
    // so nothing new can be posted), so no OVERLAPPED or buffer of it is still the kernel's.
    owned.reset();
    // [/snippet]
}

// [snippet:worker]
void EchoServer::Impl::work() noexcept {
    try {
        for (;;) {
            const iocp::Dequeued dequeued = port_handle_.get(worker_wait_ms);
            if (dequeued.outcome == iocp::DequeueOutcome::no_packet) {
                if (dequeued.timed_out()) {
                    continue;  // nothing happened for a second: wait again
                }
                return;  // the port was closed under us (Windows only): leave
            }
            if (dequeued.completion.overlapped == nullptr) {
                if (dequeued.completion.key == stop_key) {
                    return;  // a sentinel from stop(): this worker's last packet
                }
                continue;  // no other packet is posted without an OVERLAPPED
            }
            dispatch(dequeued);
        }
    } catch (...) {
        const std::lock_guard lock{mutex_};
        if (!error_) {
            error_ = std::current_exception();
        }
    }
}

void EchoServer::Impl::dispatch(const iocp::Dequeued& dequeued) {
    const iocp::Completion& done = dequeued.completion;
    // failed_io: the I/O failed, and `error` says why; the context is still ours to handle.
    const DWORD error =
        dequeued.outcome == iocp::DequeueOutcome::failed_io ? done.error : ERROR_SUCCESS;
    PerIoContext& io = *reinterpret_cast<PerIoContext*>(done.overlapped);
    switch (io.type) {
        case IoType::accept:
            on_accept(*reinterpret_cast<AcceptContext*>(&io), error);
            break;
        case IoType::receive:
        case IoType::zero_byte_receive:
            on_receive(*reinterpret_cast<PerSocketContext*>(done.key), io.type, error, done.bytes);
            break;
        case IoType::send:
            on_send(*reinterpret_cast<PerSocketContext*>(done.key), error, done.bytes);
            break;
    }
    io_ended();  // after the handler: stop() waits for this to reach 0
}
// [/snippet]

ServerCounters EchoServer::Impl::counters() const {
    ServerCounters counters;
    counters.accepted = accepted_.load();
    counters.closed = closed_.load();
    counters.sessions_alive = alive_.load();
    counters.io_in_flight = io_in_flight_.load();
    counters.bytes_received = bytes_received_.load();
    counters.bytes_sent = bytes_sent_.load();
    counters.receives = receives_.load();
    counters.frames = frames_.load();
    counters.bad_frames = bad_frames_.load();
    counters.failed_accepts = failed_accepts_.load();
    counters.read_pauses = read_pauses_.load();
    counters.most_queued = most_queued_.load();
    return counters;
}

// [snippet:stop]
ServerCounters EchoServer::Impl::stop() {
    if (stopped_) {
        return final_;
    }
    stopped_ = true;
    stopping_ = true;
    // 1. Stop accepting. Closing the listener cancels the posted AcceptEx calls; each still
    //    completes (aborted) and its worker closes the socket it had made.
    if (acceptor_.joinable()) {
        acceptor_.join();
    }
    {
        const std::lock_guard lock{accept_mutex_};
        listener_.reset();  // reports, not throws: the steps below must run whatever happens
    }
    // 2. Cancel every session's I/O; each session is freed when its last completion comes.
    {
        const std::lock_guard lock{mutex_};
        for (const auto& entry : sessions_) {
            const std::lock_guard session_lock{entry.second->mutex};
            close_locked(*entry.second);
        }
    }
    // 3. Wait until no I/O is in flight and no session is left (bounded).
    std::unique_lock quiet_lock{quiet_mutex_};
    const bool drained = quiet_.wait_for(
        quiet_lock, drain_limit, [&] { return io_in_flight_.load() == 0 && alive_.load() == 0; });
    quiet_lock.unlock();
    // 4. One sentinel per worker; each leaves on its own, and all are joined.
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        port_handle_.post(0, stop_key);
    }
    for (std::thread& worker : workers_) {
        worker.join();
    }
    // [/snippet]
    final_ = counters();
    if (!drained) {
        // Still in flight, so still the kernel's: leak rather than free.
        const std::lock_guard lock{mutex_};
        for (auto& entry : sessions_) {
            static_cast<void>(entry.second.release());
        }
        sessions_.clear();
        for (auto& accept : accepts_) {
            static_cast<void>(accept.release());
        }
        iocp::throw_win32_error("EchoServer::stop: I/O still in flight after 10 s", WAIT_TIMEOUT);
    }
    const std::lock_guard lock{mutex_};
    if (error_) {
        std::rethrow_exception(error_);
    }
    return final_;
}

EchoServer::EchoServer(const ServerOptions& options, iocp::Logger& log)
    : impl_(std::make_unique<Impl>(options, log)) {}

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
