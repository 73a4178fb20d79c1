// ch04_echo_server/server/server.cpp: the IOCP echo server (see server.h).
#include "server.h"

#include "send_queue.h"
#include "session_timeouts.h"

#include "iocp/completion_port.h"
#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
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
// The performance options' bounds (see server.h).
constexpr int max_batch = 1024;         // --batch: entries one GetQueuedCompletionStatusEx takes
constexpr std::size_t max_gather = 64;  // --gather-sends: WSABUFs (chunks) in one WSASend
constexpr int inline_limit = 16;  // --skip-on-success: completions handled in a row, then posted

// [snippet:contexts]
enum class IoType { accept, receive, zero_byte_receive, send };

struct PerSocketContext;

// One I/O request. The OVERLAPPED comes first and the struct is standard-layout, so the
// OVERLAPPED* a completion hands back is this context; `type` says what finished. It is in
// flight from its call until its completion is handled (dequeued, or settled at once under
// skip-on-success), and is never reused before that.
struct PerIoContext {
    WSAOVERLAPPED overlapped{};
    IoType type = IoType::receive;
    WSABUF wsabuf{};
};
static_assert(std::is_standard_layout_v<PerIoContext>);

// One client: the completion key of its socket. It owns one context per direction, so a
// receive and a send can be in flight together (full duplex), never two of the same kind.
struct PerSocketContext {
    explicit PerSocketContext(const ServerOptions& options)
        : queue{options.receive_size, options.max_pending_bytes, options.reuse_buffers},
          timeouts{std::chrono::steady_clock::now()} {}
    PerIoContext receive{{}, IoType::receive, {}};
    PerIoContext send{{}, IoType::send, {}};
    // --gather-sends: the send's buffers, one per queued chunk, written only while no send is in
    // flight. The chunks' bytes they point to stay put until the send's completion is handled.
    std::array<WSABUF, max_gather> send_buffers{};
    iocp::UniqueSocket socket;
    bool skip_on_success = false;  // set before the first I/O: no packet for I/O done at once
    std::mutex mutex;  // the fields below, touched by whichever workers hold its completions
    std::vector<std::byte> receive_buffer;  // receive.wsabuf points here while in flight
    // Echo to send, in order, in chunks that never move (portable/send_queue.h); charged by
    // memory, not payload. With --reuse-buffers it keeps up to 4 sent chunks as spares.
    SendQueue queue;
    std::size_t reused_counted = 0;  // queue.reused() already added to buffers_reused
    // --skip-on-success: a receive or send that completed at once, with its byte count. No
    // packet will come for it: settle_locked() is its completion. Still counted as in flight.
    std::optional<DWORD> receive_now;
    std::optional<DWORD> send_now;
    int outstanding = 0;  // I/O in flight: freed only when this is 0 and closing
    bool receiving = false;
    bool sending = false;
    bool data_waiting = false;  // zero-byte mode: the zero-byte receive said data is here
    bool peer_done = false;     // the peer closed its side: finish the echo, then close
    bool closing = false;
    std::optional<FrameAssembler> frames;  // packet mode
    // --idle-timeout and --send-stall: when it was last heard, whether its reading is paused
    // (the queue is full: no receive until it drains), since when its echo has not moved.
    SessionTimeouts timeouts;
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

// Skipping the port on success is safe only when the socket's provider hands out IFS handles
// (kernel file handles): the SetFileCompletionNotificationModes page says the mode is only
// compatible with those. A layered, non-IFS provider completes I/O itself, in user mode. libuv
// checks this flag too; asio 1.22 neither checks it nor ever skips the port.
bool has_ifs_handles(SOCKET socket) {
    WSAPROTOCOL_INFOW info{};
    int size = sizeof(info);
    iocp::check_wsa(
        getsockopt(socket, SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &size),
        "getsockopt(SO_PROTOCOL_INFOW)");
    return (info.dwServiceFlags1 & XP1_IFS_HANDLES) != 0;
}

void raise_to(std::atomic<std::uint64_t>& most, std::uint64_t value) {
    std::uint64_t seen = most.load();
    while (value > seen && !most.compare_exchange_weak(seen, value)) {
    }
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
    void work_batched();
    void dispatch(const iocp::Completion& done);
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
    void receive_done_locked(PerSocketContext& session, IoType type, DWORD error, DWORD bytes);
    void send_done_locked(PerSocketContext& session, DWORD error, DWORD bytes);
    void settle_locked(PerSocketContext& session);
    bool hand_to_port(PerSocketContext& session, PerIoContext& io, DWORD bytes);
    void echo_locked(PerSocketContext& session, DWORD bytes);
    void count_queue_locked(PerSocketContext& session);
    void free_session(PerSocketContext& session);
    void reap() noexcept;
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
    std::atomic<std::uint64_t> most_queued_memory_{0};
    std::atomic<std::uint64_t> largest_batch_{0};
    std::atomic<std::uint64_t> gathered_sends_{0};
    std::atomic<std::uint64_t> buffers_reused_{0};
    std::atomic<std::uint64_t> skip_sessions_{0};
    std::atomic<std::uint64_t> inline_completions_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::uint64_t> idle_closed_{0};
    std::atomic<std::uint64_t> stall_closed_{0};
    bool ifs_handles_ = false;  // --skip-on-success: the provider's handles allow it
    std::atomic<bool> skip_failure_logged_{false};  // warn once, not once per session

    std::vector<std::thread> workers_;
    std::thread acceptor_;  // blocking accept mode only
    // --idle-timeout: a thread that closes silent sessions, woken early by stop().
    std::mutex reaper_mutex_;
    std::condition_variable reaper_wake_;
    std::thread reaper_;
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
    if (options.batch < 1 || options.batch > max_batch) {
        throw std::invalid_argument("--batch must be 1 to " + std::to_string(max_batch));
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
    if (options.skip_on_success) {
        // Accepted sockets come from the listener's provider, so its answer is theirs.
        ifs_handles_ = has_ifs_handles(listener_.get());
        if (!ifs_handles_) {
            log_.warn("--skip-on-success is off: the Winsock provider has no IFS handles");
        }
    }
    // ...the worker threads, waiting on the port...
    for (int i = 0; i < default_threads(options.threads); ++i) {
        workers_.emplace_back([this] { work(); });
    }
    // ...and the accepting. From here a failure must stop the workers before it leaves.
    try {
        if (options.idle_timeout > std::chrono::milliseconds::zero() ||
            options.send_stall > std::chrono::milliseconds::zero()) {
            reaper_ = std::thread([this] { reap(); });
        }
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
        // The listener was closed: this accept was cancelled (or had just succeeded), and
        // `socket` closes either way.
        return;
    }
    if (error != ERROR_SUCCESS) {
        // A client that reset before we took it (ERROR_NETNAME_DELETED): not a connection.
        ++failed_accepts_;
        log_.debug("an accept failed (error ", error, "); posting another");
    } else {
        try {
            {
                // The call names the listener, which stop() closes under accept_mutex_: hold it,
                // or the value could name a closed (or reused) handle, and listener_ be read
                // while stop() resets it.
                const std::lock_guard lock{accept_mutex_};
                if (stopping_) {
                    return;  // `socket` closes; no accept is posted again
                }
                // The accepted socket takes the listener's properties only when told to.
                const SOCKET listener = listener_.get();
                iocp::check_wsa(
                    setsockopt(socket.get(), SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                               reinterpret_cast<const char*>(&listener), sizeof(listener)),
                    "setsockopt(SO_UPDATE_ACCEPT_CONTEXT)");
            }
            start_session(std::move(socket));
        } catch (const std::system_error& e) {
            ++failed_accepts_;  // not a session: counted, so accepts + failures add up
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
    auto owned = std::make_unique<PerSocketContext>(options_);
    PerSocketContext& session = *owned;
    session.socket = std::move(socket);
    if (options_.protocol == Protocol::packet) {
        session.frames.emplace(options_.max_packet);
    }
    // The completion key is the session: every completion on this socket leads back to it.
    port_handle_.associate(session.socket.get(), reinterpret_cast<ULONG_PTR>(&session));
    if (ifs_handles_) {
        // --skip-on-success: from here a WSARecv or WSASend that completes at once queues no
        // packet, and whoever called it must handle it (settle_locked). Set before any I/O.
        if (SetFileCompletionNotificationModes(
                reinterpret_cast<HANDLE>(session.socket.get()),
                FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE)) {
            session.skip_on_success = true;
            ++skip_sessions_;
        } else if (!skip_failure_logged_.exchange(true)) {
            // This session goes on without it: every completion still comes as a packet.
            log_.warn("SetFileCompletionNotificationModes failed (error ", GetLastError(),
                      "): sessions run without --skip-on-success");
        }
    }
    bool free_now = false;
    {
        const std::lock_guard lock{mutex_};
        if (stopping_) {
            return;  // nothing posted yet: `owned` frees it
        }
        if (options_.max_sessions != 0 && alive_ >= options_.max_sessions) {
            // --max-sessions: this connection is one too many. Nothing is posted on it, so
            // `owned` frees it as this returns and the client sees its connection closed.
            ++refused_;
            log_.debug("closing a new connection: ", options_.max_sessions, " sessions alive");
            return;
        }
        sessions_.emplace(&session, std::move(owned));
        ++alive_;
        ++accepted_;
        const std::lock_guard session_lock{session.mutex};
        session.timeouts = SessionTimeouts{std::chrono::steady_clock::now()};  // accepted now
        // The first receive, posted now: overlapped I/O is "request first, result later", and a
        // session with nothing posted would never hear its client (4장: 초기 Recv걸기).
        if (!post_receive_locked(session)) {
            close_locked(session);
        }
        settle_locked(session);  // --skip-on-success: it may have completed at once
        free_now = session.closing && session.outstanding == 0;
    }
    if (free_now) {
        free_session(session);  // nothing in flight and no completion to come: freed here
    }
}
// [/snippet]

// [snippet:post_receive_locked]
bool EchoServer::Impl::post_receive_locked(PerSocketContext& session) {
    const bool zero_byte = options_.zero_byte_recv && !session.data_waiting;
    session.receive.overlapped = WSAOVERLAPPED{};  // reused: its previous receive completed
    session.receive.type = zero_byte ? IoType::zero_byte_receive : IoType::receive;
    if (zero_byte) {
        // No buffer: none is held, and no page locked, while the client is silent. The
        // completion says only "data (or the peer's FIN) is here"; the real receive follows.
        session.receive.wsabuf = WSABUF{0, nullptr};
    } else {
        if (session.receive_buffer.capacity() < options_.receive_size) {
            // The last one moved into the send queue (or zero-byte mode gave it up): take a
            // spare chunk if the queue kept one (--reuse-buffers), else resize allocates.
            session.receive_buffer = session.queue.take_spare();
            count_queue_locked(session);
        }
        session.receive_buffer.resize(options_.receive_size);
        session.receive.wsabuf.buf = reinterpret_cast<char*>(session.receive_buffer.data());
        session.receive.wsabuf.len = static_cast<ULONG>(session.receive_buffer.size());
    }
    DWORD flags = 0;
    DWORD bytes = 0;  // read only for a receive done at once in skip mode
    ++session.outstanding;
    io_started();
    session.receiving = true;
    // From this call until its completion is handled, `receive` and its buffer are the
    // kernel's: a pending receive keeps the buffer's pages locked, for the copy that fills it.
    const int result = WSARecv(session.socket.get(), &session.receive.wsabuf, 1,
                               session.skip_on_success ? &bytes : nullptr, &flags,
                               &session.receive.overlapped, nullptr);
    if (result == 0 && session.skip_on_success) {
        // Done at once, and skip mode queues no packet for it: settle_locked() handles it.
        session.receive_now = bytes;
        return true;
    }
    if (result == SOCKET_ERROR && WSAGetLastError() != WSA_IO_PENDING) {
        // Failed at once: no completion will come, so undo the counts here (and only here).
        --session.outstanding;
        io_ended();
        session.receiving = false;
        return false;
    }
    return true;
}
// [/snippet]

bool EchoServer::Impl::post_send_locked(PerSocketContext& session) {
    session.send.overlapped = WSAOVERLAPPED{};  // reused: its previous send completed
    // One buffer per chunk, the first starting where a partial send stopped: the front chunk
    // alone, or with --gather-sends up to 64 of them. Called only while no send is in flight.
    WSABUF* const buffers =
        options_.gather_sends ? session.send_buffers.data() : &session.send.wsabuf;
    std::array<SendBuffer, max_gather> views{};
    const std::size_t count =
        session.queue.gather(std::span{views}.first(options_.gather_sends ? max_gather : 1));
    for (std::size_t i = 0; i < count; ++i) {
        // WSABUF's buf is char* (not const) though WSASend only reads it.
        buffers[i].buf = reinterpret_cast<char*>(const_cast<std::byte*>(views[i].data));
        buffers[i].len = static_cast<ULONG>(views[i].size);  // a chunk: at most receive_size
    }
    if (count > 1) {
        ++gathered_sends_;
    }
    DWORD bytes = 0;  // read only for a send done at once in skip mode
    ++session.outstanding;
    io_started();
    session.sending = true;
    session.timeouts.send_started(std::chrono::steady_clock::now());  // --send-stall
    // The chunks named are the send's buffers, the kernel's until this send's completion is
    // handled: SendQueue never moves or overwrites a gathered byte before sent() counts it
    // (appends meanwhile only fill room after it, or add chunks), so echo may keep queueing.
    const int result =
        WSASend(session.socket.get(), buffers, static_cast<DWORD>(count),
                session.skip_on_success ? &bytes : nullptr, 0, &session.send.overlapped, nullptr);
    if (result == 0 && session.skip_on_success) {
        // Done at once, and skip mode queues no packet for it: settle_locked() handles it.
        session.send_now = bytes;
        return true;
    }
    if (result == SOCKET_ERROR && WSAGetLastError() != WSA_IO_PENDING) {
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
    // Cancel what is in flight; each cancelled request still completes (usually aborted; one
    // that was already finishing keeps its own result), and the session is freed by whichever
    // completion brings `outstanding` to 0. The socket stays open until then, so no other
    // socket can take its handle value while requests still name it.
    if (session.outstanding > 0 &&
        !CancelIoEx(reinterpret_cast<HANDLE>(session.socket.get()), nullptr)) {
        const DWORD error = GetLastError();
        if (error != ERROR_NOT_FOUND) {
            iocp::report_cleanup_failure("CancelIoEx", error);
        }
    }
}
// [/snippet]

// Queues the `bytes` the receive buffer holds (stream), or the whole frames they complete.
// Small echoes coalesce into the queue's tail chunk in every mode.
void EchoServer::Impl::echo_locked(PerSocketContext& session, DWORD bytes) {
    const std::span<const std::byte> data{session.receive_buffer.data(), bytes};
    FrameError error = FrameError::none;
    if (!session.frames) {
        if (options_.reuse_buffers) {
            // The buffer itself becomes a chunk when at least a quarter full (no copy); else
            // its bytes are copied and it is kept as a spare. post_receive_locked takes one.
            session.receive_buffer.resize(bytes);
            // Whether it was taken whole shows in queue.reused(), which count_queue_locked reads.
            static_cast<void>(session.queue.adopt(std::move(session.receive_buffer)));
            session.receive_buffer = {};  // consumed either way
        } else {
            session.queue.append(data);
        }
    } else {
        std::vector<std::span<const std::byte>> whole;
        error = session.frames->feed(data, whole);
        for (const std::span<const std::byte> frame : whole) {
            session.queue.append(frame);  // echoed whole, in order
            ++frames_;
        }
    }
    count_queue_locked(session);
    if (error != FrameError::none) {
        ++bad_frames_;
        log_.warn("closing a session: ", describe(error), " (size ", session.frames->bad_size(),
                  ")");
        close_locked(session);
    }
}

// The queue's figures into the server's counters: its payload and memory peaks, and the
// chunks it reused since the last call.
void EchoServer::Impl::count_queue_locked(PerSocketContext& session) {
    raise_to(most_queued_, session.queue.bytes());
    raise_to(most_queued_memory_, session.queue.peak_memory());
    buffers_reused_ += session.queue.reused() - session.reused_counted;
    session.reused_counted = session.queue.reused();
}

// [snippet:on_receive]
void EchoServer::Impl::on_receive(PerSocketContext& session, IoType type, DWORD error,
                                  DWORD bytes) {
    bool free_now = false;
    {
        const std::lock_guard lock{session.mutex};
        receive_done_locked(session, type, error, bytes);
        settle_locked(session);  // --skip-on-success: what completed at once meanwhile
        free_now = session.closing && session.outstanding == 0;
    }
    if (free_now) {
        free_session(session);
    }
}

void EchoServer::Impl::receive_done_locked(PerSocketContext& session, IoType type, DWORD error,
                                           DWORD bytes) {
    --session.outstanding;  // this receive is over
    session.receiving = false;
    bytes_received_ += bytes;
    if (error != ERROR_SUCCESS || session.closing) {
        close_locked(session);  // failed (reset, cancelled): the session ends
    } else if (type == IoType::zero_byte_receive) {
        session.timeouts.heard(std::chrono::steady_clock::now());
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
        session.timeouts.heard(std::chrono::steady_clock::now());
        echo_locked(session, bytes);
        if (options_.zero_byte_recv) {
            session.data_waiting = false;
            session.receive_buffer = {};  // idle again: hold no buffer
        }
        if (!session.closing && !session.sending && !session.queue.empty() &&
            !post_send_locked(session)) {
            close_locked(session);
        }
        if (!session.closing) {
            if (session.queue.full()) {
                // The client sends faster than it reads our echo: stop reading until the
                // queue drains, so a client that never reads costs at most this much memory.
                session.timeouts.pause_reading();
                ++read_pauses_;
            } else if (!post_receive_locked(session)) {
                close_locked(session);
            }
        }
    }
}
// [/snippet]

void EchoServer::Impl::on_send(PerSocketContext& session, DWORD error, DWORD bytes) {
    bool free_now = false;
    {
        const std::lock_guard lock{session.mutex};
        send_done_locked(session, error, bytes);
        settle_locked(session);  // --skip-on-success: what completed at once meanwhile
        free_now = session.closing && session.outstanding == 0;
    }
    if (free_now) {
        free_session(session);
    }
}

void EchoServer::Impl::send_done_locked(PerSocketContext& session, DWORD error, DWORD bytes) {
    --session.outstanding;  // this send is over: its chunks may be dropped now
    session.sending = false;
    bytes_sent_ += bytes;
    if (error != ERROR_SUCCESS || session.closing) {
        close_locked(session);
    } else {
        // A partial send continues where it stopped; wholly sent chunks leave the queue.
        session.queue.sent(bytes);
        // --send-stall: only bytes sent are progress; a send of 0 leaves the stall clock running.
        session.timeouts.send_completed(std::chrono::steady_clock::now(), bytes,
                                        !session.queue.empty());
        if (options_.zero_byte_recv && session.queue.empty()) {
            session.queue.release_spare();  // idle again: zero-byte mode holds no buffer
        }
        if (!session.queue.empty()) {
            if (!post_send_locked(session)) {
                close_locked(session);
            }
        } else if (session.peer_done) {
            close_locked(session);  // everything the peer sent has been echoed
        }
        if (!session.closing && session.timeouts.reading_paused() && session.queue.drained()) {
            session.timeouts.resume_reading(std::chrono::steady_clock::now());
            if (!post_receive_locked(session)) {
                close_locked(session);
            }
        }
    }
}

// --skip-on-success: a receive or send that completed at once queued no packet, so the thread
// that posted it handles it here, as a worker handles a dequeued one; handling it may post
// more I/O that completes at once, hence the loop. Bounded: after inline_limit in a row the
// rest go to the port as packets, so a client that always has data waiting cannot keep this
// worker from every other session.
void EchoServer::Impl::settle_locked(PerSocketContext& session) {
    int handled = 0;
    while (session.receive_now || session.send_now) {
        const bool send = session.send_now.has_value();
        std::optional<DWORD>& now = send ? session.send_now : session.receive_now;
        const DWORD bytes = *now;
        now.reset();
        if (handled >= inline_limit &&
            hand_to_port(session, send ? session.send : session.receive, bytes)) {
            continue;  // still in flight (counted) until a worker dequeues it
        }
        ++inline_completions_;  // handled here, with no packet
        ++handled;
        if (send) {
            send_done_locked(session, ERROR_SUCCESS, bytes);
        } else {
            receive_done_locked(session, session.receive.type, ERROR_SUCCESS, bytes);
        }
        io_ended();  // as dispatch() does after the handler
    }
}

// Queues a packet for an I/O that completed at once, with the request's own OVERLAPPED: a
// worker dispatches it like the kernel's, and the context stays the port's until then.
bool EchoServer::Impl::hand_to_port(PerSocketContext& session, PerIoContext& io, DWORD bytes) {
    const DWORD error =
        port_handle_.try_post(bytes, reinterpret_cast<ULONG_PTR>(&session), &io.overlapped);
    if (error == ERROR_SUCCESS) {
        return true;
    }
    // Handling it here instead is still right, only less fair to other sessions.
    log_.warn("PostQueuedCompletionStatus failed (error ", error, ")");
    return false;
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

namespace {

// The wake interval of a limit: a quarter of it (plus 1 ms, never 0), at most a second; none
// while it is off.
std::optional<std::chrono::milliseconds> reap_period(std::chrono::milliseconds limit) {
    if (limit <= std::chrono::milliseconds::zero()) {
        return std::nullopt;
    }
    return std::min<std::chrono::milliseconds>(limit / 4 + std::chrono::milliseconds{1},
                                               std::chrono::seconds{1});
}

}  // namespace

// --idle-timeout and --send-stall: every quarter of the shorter limit (at most a second), close
// the sessions that sent nothing for the idle timeout, and those whose echo did not move for
// the send stall: their client stopped reading. A session whose reading is paused is never
// idle (it waits for its client to read), but it can stall: that is what closes a client that
// sends and never reads. Closing cancels the session's I/O, and its last completion frees it,
// as for any other close.
void EchoServer::Impl::reap() noexcept {
    const TimeoutOptions limits{options_.idle_timeout, options_.send_stall};
    const auto idle_period = reap_period(limits.idle);
    const auto stall_period = reap_period(limits.send_stall);
    const auto period = std::min(idle_period.value_or(std::chrono::seconds{1}),
                                 stall_period.value_or(std::chrono::seconds{1}));
    std::unique_lock wake_lock{reaper_mutex_};
    while (!reaper_wake_.wait_for(wake_lock, period, [this] { return stopping_.load(); })) {
        try {
            const auto now = std::chrono::steady_clock::now();
            const std::lock_guard lock{mutex_};
            for (const auto& entry : sessions_) {
                PerSocketContext& session = *entry.second;
                const std::lock_guard session_lock{session.mutex};
                if (session.closing || session.outstanding == 0) {
                    continue;  // with nothing in flight, no completion would come to free it
                }
                const CloseReason reason = session.timeouts.check(now, limits);
                if (reason == CloseReason::idle) {
                    ++idle_closed_;
                    log_.info("closing a session silent for ", limits.idle.count(),
                              " ms (--idle-timeout)");
                } else if (reason == CloseReason::send_stalled) {
                    ++stall_closed_;
                    log_.info("closing a session whose echo did not move for ",
                              limits.send_stall.count(), " ms (--send-stall)");
                } else {
                    continue;
                }
                // It has I/O in flight (a receive, or the stalled send), whose completion frees it.
                close_locked(session);
            }
        } catch (const std::exception& e) {
            log_.error("--idle-timeout, --send-stall: ", e.what());
        }
    }
}

// [snippet:worker]
void EchoServer::Impl::work() noexcept {
    try {
        if (options_.batch > 1) {
            work_batched();  // --batch: the same loop with GetQueuedCompletionStatusEx
            return;
        }
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
            dispatch(dequeued.completion);
        }
    } catch (...) {
        const std::lock_guard lock{mutex_};
        if (!error_) {
            error_ = std::current_exception();
        }
    }
}

void EchoServer::Impl::dispatch(const iocp::Completion& done) {
    // ERROR_SUCCESS, or why the I/O failed (failed_io); the context is ours to handle either way.
    const DWORD error = done.error;
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

void EchoServer::Impl::work_batched() {
    std::vector<OVERLAPPED_ENTRY> entries(static_cast<std::size_t>(options_.batch));
    for (;;) {
        const iocp::DequeuedMany dequeued = port_handle_.get_many(entries, worker_wait_ms);
        if (dequeued.entries.empty()) {
            if (dequeued.timed_out()) {
                continue;  // nothing happened for a second: wait again
            }
            return;  // the port was closed under us (Windows only): leave
        }
        const std::span<OVERLAPPED_ENTRY> taken = dequeued.entries;
        raise_to(largest_batch_, taken.size());
        int sentinels = 0;
        for (const OVERLAPPED_ENTRY& entry : taken) {
            // A failed I/O shows only in the entry's status (Internal): to_completion() turns it
            // into done.error, as GetQueuedCompletionStatus's FALSE and GetLastError() would.
            const iocp::Completion done = iocp::to_completion(entry);
            if (done.overlapped == nullptr) {
                sentinels += done.key == stop_key ? 1 : 0;  // nothing else is posted without one
                continue;
            }
            // Even after a sentinel: each real completion is an I/O stop() counts, and its
            // context is ours again. Leaving it unhandled would leave io_in_flight above 0.
            dispatch(done);
        }
        if (sentinels > 0) {
            // stop() posted one per worker and this one took `sentinels`: give back all but
            // its own, so that every other worker still gets one, then leave.
            for (int extra = 1; extra < sentinels; ++extra) {
                port_handle_.post(0, stop_key);
            }
            return;
        }
    }
}

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
    counters.most_queued_memory = most_queued_memory_.load();
    counters.largest_batch = largest_batch_.load();
    counters.gathered_sends = gathered_sends_.load();
    counters.buffers_reused = buffers_reused_.load();
    counters.skip_sessions = skip_sessions_.load();
    counters.inline_completions = inline_completions_.load();
    counters.refused = refused_.load();
    counters.idle_closed = idle_closed_.load();
    counters.stall_closed = stall_closed_.load();
    return counters;
}

// [snippet:stop]
ServerCounters EchoServer::Impl::stop() {
    if (stopped_) {
        return final_;
    }
    stopped_ = true;
    stopping_ = true;
    {
        const std::lock_guard lock{reaper_mutex_};
        reaper_wake_.notify_all();  // the thread of --idle-timeout and --send-stall: leave now
    }
    if (reaper_.joinable()) {
        reaper_.join();
    }
    // 1. Stop accepting. Closing the listener cancels the posted AcceptEx calls; each still
    //    completes (usually aborted; one that had just taken a client succeeds) and its worker
    //    closes the socket it had made.
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
