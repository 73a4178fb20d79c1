// ch04_echo_server/client/echo_client.cpp: the load generator (see echo_client.h).
//
// The parts, the server's seen from the other end:
//   Client        the run: the port, the workers, every Connection, the totals.
//   Connection    one socket and its completion key: its state, its place in the message
//                 sequence, and three PerIoContexts (connect, send, receive), so a send and a
//                 receive can be in flight at once and no OVERLAPPED is reused while in flight.
//   PerIoContext  starts with its OVERLAPPED, so the OVERLAPPED* a completion carries is the
//                 context; its IoType says which of the three it is.
// What it checks and measures is portable, tested natively: message.h makes every byte sent,
// echo_check.h checks every byte that comes back, latency_clock.h says when each message was due
// (the start of its latency) and ends the measured window at the last measured echo.
// Any worker may dequeue any completion, a connection's send and receive at the same moment, so
// each Connection has a mutex and its completions are handled under it. A connection counts its
// I/O in flight, and the worker that dequeues the last completion of a closed connection frees
// it: never earlier, whatever closed it.
//
// A connection's life: bind, ConnectEx, then a receive always posted (so the server's echo
// always has somewhere to go, and a 1 MiB message cannot fill both sides' buffers and stall)
// while sends fill the pipeline window. When every message is back it shuts down its send side
// and waits for the server's close (a receive of 0). A connection that fails is closed, which
// cancels what it has in flight. The run ends when every connection is freed, or gives up on
// the rest at its time limit; then one sentinel per worker, and join.
#include "echo_client.h"
#include "echo_check.h"
#include "latency.h"
#include "latency_clock.h"
#include "message.h"

#include "iocp/completion_port.h"
#include "iocp/error.h"
#include "iocp/extensions.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <iomanip>
#include <memory>
#include <mutex>
#include <ostream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace ch04 {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t max_buffer = 64 * 1024;  // one WSASend's chunk, one WSARecv's buffer
constexpr int max_threads = 64;
// A worker's wait for a packet. Finite because Wine wakes no waiter when a port is closed; the
// workers are stopped by sentinels, this only keeps each wait bounded.
constexpr DWORD poll_ms = 100;
constexpr auto close_limit = 20s;   // from our shutdown(SD_SEND) to the server's close
constexpr auto drain_limit = 10s;   // for the I/O of closed connections to complete
constexpr auto worker_slack = 30s;  // workers stop by themselves this long after drain_limit
constexpr auto count_run_limit = 60s;
constexpr auto duration_run_slack = 30s;
constexpr ULONG_PTR stop_key = 0;  // connections' keys are their addresses, never 0

std::string_view protocol_name(Protocol protocol) noexcept {
    return protocol == Protocol::packet ? "packet" : "stream";
}

// The text a std::system_error thrown for `call` failing with `code` would carry.
std::string describe_failure(std::string_view call, DWORD code) {
    try {
        iocp::throw_win32_error(call, code);
    } catch (const std::system_error& e) {
        return e.what();
    }
}

void validate(const ClientOptions& options) {
    if (options.port == 0) {
        throw std::invalid_argument("--port: the server's port is needed");
    }
    if (options.connections == 0 || options.connections > max_client_connections) {
        throw std::invalid_argument("--connections must be from 1 to " +
                                    std::to_string(max_client_connections));
    }
    if (options.duration < 0ms) {
        throw std::invalid_argument("--duration must not be negative");
    }
    if (options.messages == 0 && options.duration == 0ms) {
        throw std::invalid_argument(
            "--messages or --duration: give one (messages 0 = run for "
            "--duration, which is 0 too)");
    }
    if (options.messages != 0 && options.duration != 0ms) {
        throw std::invalid_argument(
            "--messages and --duration exclude each other (set messages "
            "to 0 to run for a duration)");
    }
    if (options.size == 0) {
        throw std::invalid_argument("--size must be at least 1");
    }
    if (options.protocol == Protocol::stream && options.size > max_stream_message) {
        throw std::invalid_argument("--size: a stream message is at most " +
                                    std::to_string(max_stream_message) + " bytes");
    }
    if (options.protocol == Protocol::packet && options.size > max_packet_payload) {
        throw std::invalid_argument("--size: a packet's payload is at most " +
                                    std::to_string(max_packet_payload) +
                                    " bytes (its frame, 4 + size, at most 65535)");
    }
    if (options.pipeline == 0 || options.pipeline > max_client_pipeline) {
        throw std::invalid_argument("--pipeline must be from 1 to " +
                                    std::to_string(max_client_pipeline));
    }
    if (options.threads < 0 || options.threads > max_threads) {
        throw std::invalid_argument("--threads must be from 0 (automatic) to " +
                                    std::to_string(max_threads));
    }
    if (options.warmup && options.messages != 0) {
        throw std::invalid_argument("--warmup goes with --duration, not --messages");
    }
    if (options.time_limit < 0ms) {
        throw std::invalid_argument("--time-limit must not be negative");
    }
}

sockaddr_in server_address(const ClientOptions& options) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options.port);
    const int parsed = inet_pton(AF_INET, options.host.c_str(), &address.sin_addr);
    if (parsed == 0) {
        throw std::invalid_argument("--host: \"" + options.host +
                                    "\" is not an IPv4 address like 127.0.0.1");
    }
    if (parsed != 1) {
        iocp::throw_last_wsa_error("inet_pton");
    }
    return address;
}

int worker_count(int requested) {
    if (requested > 0) {
        return requested;
    }
    const auto processors = static_cast<int>(std::thread::hardware_concurrency());
    return std::clamp(processors, 1, 4);
}

std::chrono::milliseconds run_limit(const ClientOptions& options) {
    if (options.time_limit > 0ms) {
        return options.time_limit;
    }
    if (options.messages == 0) {
        return options.duration + duration_run_slack + (options.warmup ? duration_run_slack : 0s);
    }
    return count_run_limit;
}

// kick: no I/O, a packet the client posts itself to wake an idle connection (the warm-up's end).
enum class IoType { connect, send, receive, kick };

std::string_view call_name(IoType type) noexcept {
    switch (type) {
        case IoType::connect:
            return "ConnectEx";
        case IoType::send:
            return "WSASend";
        case IoType::receive:
            return "WSARecv";
        case IoType::kick:
            return "PostQueuedCompletionStatus";
    }
    return "?";
}

struct PerIoContext {
    explicit PerIoContext(IoType io_type) noexcept : type(io_type) {}

    WSAOVERLAPPED overlapped{};  // first: the OVERLAPPED* a completion carries is this context
    IoType type;
    bool in_flight = false;  // from the call that started it until its completion is dequeued
    WSABUF wsabuf{};         // points into its Connection's chunk or inbox
};
// Standard layout makes the OVERLAPPED* and the PerIoContext* interchangeable: context_of
// (iocp/extensions.h) checks it at compile time.

enum class State {
    connecting,  // ConnectEx in flight
    running,     // sending and receiving messages
    closing,     // every message echoed, our send side shut down: waiting for the server's close
    closed,      // socket closed; freed when `outstanding` reaches 0
};

struct Connection {
    Connection(std::size_t connection_index, const ClientOptions& options, std::size_t buffer_size)
        : index(connection_index),
          inbox(buffer_size),
          check(options.protocol, options.size, connection_index),
          clock(options.pipeline) {
        chunk.reserve(buffer_size);  // never grows past this: chunk.data() stays put
    }

    const std::size_t index;
    std::mutex mutex;  // guards everything below: a completion is handled under it
    iocp::UniqueSocket socket;
    State state = State::connecting;
    int outstanding = 0;  // I/O in flight; a closed connection is freed when it reaches 0
    PerIoContext connect{IoType::connect};
    PerIoContext send{IoType::send};
    PerIoContext receive{IoType::receive};
    PerIoContext kick{IoType::kick};
    // The bytes `send` is sending, and where `receive` lands. Each belongs to the system while
    // its context is in flight: not resized, not written.
    std::vector<std::byte> chunk;
    std::vector<std::byte> inbox;
    std::size_t chunk_sent = 0;  // of chunk, bytes the system has taken
    // Sending: the next byte to put in a chunk is byte send_offset of message send_sequence.
    std::uint64_t send_sequence = 0;
    std::uint64_t send_offset = 0;
    EchoCheck check;               // receiving: every echoed byte against the one sent
    LatencyClock clock;            // when each message in flight was due (latency_clock.h)
    Clock::time_point ready_at{};  // ConnectEx completed: the connection's first messages are due
    Clock::time_point closing_since{};
    bool finished = false;  // every message verified and the connection closed in order
    bool warm = false;      // warm-up runs: its first echo came back (or it failed) in the warm-up
    std::string error;      // why it failed, if it did
};

// A worker thread's own things: no lock needed. Merged into the report after the join.
struct Worker {
    LatencyHistogram latency;
    MeasuredWindow window;
    std::vector<std::byte> payload;  // a frame's payload while it is built
    std::thread thread;
};

class Client {
public:
    Client(const ClientOptions& options, const sockaddr_in& server);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Starts every connection; throws std::system_error if one cannot be set up.
    void start();
    // Waits for the connections (bounded), stops the workers and reports.
    ClientReport finish(std::ostream* progress);

private:
    void start_connection(std::size_t index);
    void work(Worker& worker) noexcept;
    void handle(Connection& connection, PerIoContext& io, DWORD error, DWORD bytes, Worker& worker);
    void on_connected(Connection& connection, Worker& worker);
    void on_sent(Connection& connection, DWORD bytes, Worker& worker);
    void on_received(Connection& connection, DWORD bytes, Worker& worker);
    bool verify(Connection& connection, std::span<const std::byte> data, Worker& worker);
    Clock::time_point gate(const Connection& connection) const noexcept;
    bool more_to_start(const Connection& connection, Clock::time_point due) const noexcept;
    bool measured(Clock::time_point due) const noexcept;
    void pump(Connection& connection, Worker& worker);
    void finish_if_done(Connection& connection);
    void post_send(Connection& connection);
    void post_receive(Connection& connection);
    void fail(Connection& connection, std::string reason) noexcept;
    void retire(Connection& connection);
    void note_warm(Connection& connection) noexcept;
    void begin_measuring_if_warm();
    // With mutex_ held:
    void close_lingering(Clock::time_point now);
    void give_up(const std::string& why);
    void abandon_in_flight();
    void print_progress(std::ostream& out, Clock::time_point now);
    void stop_workers() noexcept;
    ClientReport report();

    const ClientOptions options_;
    const sockaddr_in server_;
    const std::size_t wire_;         // bytes of one message on the wire
    const std::size_t buffer_size_;  // chunk capacity and inbox size
    const std::chrono::milliseconds limit_;
    const LPFN_CONNECTEX connect_ex_;
    iocp::CompletionPort port_;
    Clock::time_point start_;
    // Warm-up runs: true until every connection has been served once. The thread that ends it
    // writes measure_start_ and deadline_ before clearing it; readers load it first.
    std::atomic<bool> warming_;
    std::atomic<std::size_t> warmed_{0};
    std::atomic<bool> warmup_ended_{false};  // the measuring is to begin (see handle())
    Clock::time_point measure_start_;        // messages started before it are not measured
    Clock::time_point deadline_;             // duration runs: no message starts after it
    std::atomic<std::uint64_t> messages_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> mismatched_{0};

    // Guards what follows. Where both are held it is taken before a Connection's mutex; a worker
    // never takes it while holding one.
    std::mutex mutex_;
    std::condition_variable all_retired_;
    std::vector<std::unique_ptr<Connection>> connections_;  // by index; null once freed
    std::size_t live_ = 0;                                  // non-null entries
    std::size_t connections_ok_ = 0;
    std::vector<std::pair<std::size_t, std::string>> errors_;  // (connection index, text)
    Clock::time_point last_end_{};
    bool timed_out_ = false;
    std::exception_ptr worker_error_;
    std::uint64_t progress_messages_ = 0;  // totals at the last progress line
    std::uint64_t progress_bytes_ = 0;
    Clock::time_point progress_at_{};

    std::vector<std::unique_ptr<Worker>> workers_;  // last: the threads use everything above
};

Client::Client(const ClientOptions& options, const sockaddr_in& server)
    : options_(options),
      server_(server),
      wire_(wire_size(options.protocol, options.size)),
      // A packet chunk holds whole frames, so it must hold one: min() keeps it >= wire_, since a
      // frame is at most 65535 bytes.
      buffer_size_(std::min(max_buffer, wire_ * options.pipeline)),
      limit_(run_limit(options)),
      // All our sockets are IPv4 TCP sockets of one provider: one probe's pointer serves them.
      connect_ex_(iocp::load_connect_ex(iocp::make_tcp_socket().get())),
      port_(iocp::CompletionPort::create()),
      start_(Clock::now()),
      warming_(options.warmup),
      measure_start_(start_),
      deadline_(start_ + options.duration),
      connections_(options.connections),
      progress_at_(start_) {
    const int threads = worker_count(options.threads);
    for (int i = 0; i < threads; ++i) {
        workers_.push_back(std::make_unique<Worker>());
    }
    // Started only once every Worker exists, so a failure here leaves no thread behind.
    std::size_t started = 0;
    try {
        for (; started < workers_.size(); ++started) {
            Worker& worker = *workers_[started];
            worker.thread = std::thread([this, &worker] { work(worker); });
        }
    } catch (...) {
        workers_.resize(started);
        stop_workers();
        throw;
    }
}

Client::~Client() {
    if (workers_.empty()) {
        return;  // finish() ran
    }
    // Setup failed half-way: close whatever started, let its I/O complete, stop the workers.
    try {
        std::unique_lock lock{mutex_};
        give_up("the run was abandoned");
        if (!all_retired_.wait_for(lock, drain_limit, [&] { return live_ == 0; })) {
            abandon_in_flight();
        }
    } catch (const std::exception& e) {
        iocp::report_cleanup_exception("stopping the echo client's connections", e);
    }
    stop_workers();
}

// [1] The connections. Each is set up completely before anything of it is in flight.
void Client::start() {
    for (std::size_t i = 0; i < options_.connections; ++i) {
        start_connection(i);
    }
    begin_measuring_if_warm();  // every ConnectEx may have failed at once
}

void Client::start_connection(std::size_t index) {
    auto owned = std::make_unique<Connection>(index, options_, buffer_size_);
    Connection& connection = *owned;
    connection.socket = iocp::make_tcp_socket();  // WSA_FLAG_OVERLAPPED
    // Each message goes out as soon as it is made: with Nagle's algorithm a small message sent
    // while an earlier one is unacknowledged would wait, and that wait would count as latency.
    const BOOL no_delay = TRUE;
    iocp::check_wsa(setsockopt(connection.socket.get(), IPPROTO_TCP, TCP_NODELAY,
                               reinterpret_cast<const char*>(&no_delay), sizeof(no_delay)),
                    "setsockopt(TCP_NODELAY)");
    // ConnectEx insists on a bound socket: any local address, a port the system picks.
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_ANY);
    local.sin_port = 0;
    iocp::check_wsa(
        bind(connection.socket.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)),
        "bind");
    port_.associate(connection.socket.get(), reinterpret_cast<ULONG_PTR>(&connection));
    {
        const std::lock_guard lock{mutex_};
        connections_[index] = std::move(owned);
        ++live_;
    }
    bool last = false;
    {
        // Its completion may be dequeued before ConnectEx returns: the worker waits for this.
        const std::lock_guard lock{connection.mutex};
        connection.connect.in_flight = true;
        ++connection.outstanding;
        // connection.connect belongs to the system until its completion is dequeued.
        if (!connect_ex_(connection.socket.get(), reinterpret_cast<const sockaddr*>(&server_),
                         sizeof(server_), nullptr, 0, nullptr, &connection.connect.overlapped)) {
            const int error = WSAGetLastError();
            if (error != ERROR_IO_PENDING) {  // failed at once: no completion will come
                connection.connect.in_flight = false;
                --connection.outstanding;
                fail(connection, describe_failure("ConnectEx", static_cast<DWORD>(error)));
            }
        }
        // TRUE (connected at once) queues a completion too: the port handles both alike.
        last = connection.state == State::closed && connection.outstanding == 0;
    }
    if (last) {
        retire(connection);
    }
}

// [2] The workers: take completions until a sentinel.
void Client::work(Worker& worker) noexcept {
    try {
        const auto stop_by = start_ + limit_ + drain_limit + worker_slack;
        // Bounded: finish() posts the sentinel long before stop_by; stop_by is the last resort.
        while (Clock::now() < stop_by) {
            const iocp::Dequeued dequeued = port_.get(poll_ms);
            const iocp::Completion& packet = dequeued.completion;
            switch (dequeued.outcome) {
                case iocp::DequeueOutcome::no_packet:
                    if (dequeued.timed_out()) {
                        continue;
                    }
                    return;  // the port was closed (Windows only): nothing more will come
                case iocp::DequeueOutcome::completed:
                    if (packet.overlapped == nullptr) {
                        if (packet.key == stop_key) {
                            return;  // a sentinel: this worker's last packet
                        }
                        continue;  // nobody else posts to this port
                    }
                    break;
                case iocp::DequeueOutcome::failed_io:
                    break;
            }
            // The key is the connection; the OVERLAPPED is the first member of a PerIoContext.
            handle(iocp::key_as<Connection>(packet.key),
                   iocp::context_of<PerIoContext>(packet.overlapped), packet.error, packet.bytes,
                   worker);
        }
        throw std::runtime_error("an echo client worker passed its time limit");
    } catch (...) {
        const std::lock_guard lock{mutex_};
        if (!worker_error_) {
            worker_error_ = std::current_exception();
        }
    }
}

void Client::handle(Connection& connection, PerIoContext& io, DWORD error, DWORD bytes,
                    Worker& worker) {
    bool last = false;
    {
        const std::lock_guard lock{connection.mutex};
        io.in_flight = false;  // dequeued: the context and its buffer are ours again
        --connection.outstanding;
        if (connection.state != State::closed) {  // closed: a cancelled leftover, nothing to do
            try {
                if (error != ERROR_SUCCESS) {
                    // The packet carries a Win32 code (ERROR_CONNECTION_REFUSED);
                    // WSAGetOverlappedResult gives Winsock's (WSAECONNREFUSED).
                    DWORD code = error;
                    DWORD transferred = 0;
                    DWORD flags = 0;
                    if (!WSAGetOverlappedResult(connection.socket.get(), &io.overlapped,
                                                &transferred, FALSE, &flags)) {
                        code = static_cast<DWORD>(WSAGetLastError());
                    }
                    fail(connection, describe_failure(call_name(io.type), code));
                } else {
                    switch (io.type) {
                        case IoType::connect:
                            on_connected(connection, worker);
                            break;
                        case IoType::send:
                            on_sent(connection, bytes, worker);
                            break;
                        case IoType::receive:
                            on_received(connection, bytes, worker);
                            break;
                        case IoType::kick:
                            pump(connection, worker);  // the measured part has begun
                            finish_if_done(connection);
                            break;
                    }
                }
            } catch (const std::exception& e) {
                fail(connection, e.what());
            }
        }
        last = connection.state == State::closed && connection.outstanding == 0;
    }
    if (last) {
        retire(connection);  // nothing of it in flight, nothing will be started: free it
    }
    begin_measuring_if_warm();  // outside every connection's lock: it takes them all
}

void Client::on_connected(Connection& connection, Worker& worker) {
    // Until this, the socket does not know it is connected: shutdown(), getpeername() and
    // friends would fail on it.
    iocp::check_wsa(
        setsockopt(connection.socket.get(), SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0),
        "setsockopt(SO_UPDATE_CONNECT_CONTEXT)");
    connection.state = State::running;
    connection.ready_at = Clock::now();
    post_receive(connection);  // first, and always one posted: the echo has somewhere to land
    pump(connection, worker);
    finish_if_done(connection);  // a duration run may have ended while it connected
}

void Client::on_sent(Connection& connection, DWORD bytes, Worker& worker) {
    if (connection.state != State::running) {
        return;  // closing: every byte was echoed, so this send was long done
    }
    if (bytes == 0) {
        throw std::runtime_error("WSASend completed having sent 0 bytes");
    }
    connection.chunk_sent += bytes;
    if (connection.chunk_sent < connection.chunk.size()) {
        post_send(connection);  // a partial send: the rest, from where it stopped
        return;
    }
    pump(connection, worker);
    // The echo of this send may have been handled first, before the run's end, when this send
    // still held the window: the end is then seen here, or never.
    finish_if_done(connection);
}

void Client::on_received(Connection& connection, DWORD bytes, Worker& worker) {
    if (bytes == 0) {  // the server closed its side
        if (connection.state == State::closing) {
            connection.finished = true;  // the orderly end: our FIN, then theirs
            connection.state = State::closed;
            connection.socket.reset();
            return;
        }
        fail(connection, "the server closed the connection after echoing " +
                             std::to_string(connection.check.bytes_echoed()) + " of " +
                             std::to_string(connection.check.bytes_sent()) + " bytes sent");
        return;
    }
    if (connection.state == State::closing) {
        fail(connection, "the server sent " + std::to_string(bytes) + " bytes after the last echo");
        return;
    }
    if (!verify(connection, std::span{connection.inbox}.first(bytes), worker)) {
        return;
    }
    pump(connection, worker);  // echoed messages leave room in the window
    finish_if_done(connection);
    if (connection.state != State::closed) {
        post_receive(connection);  // closing too: the server's close arrives as a receive
    }
}

// Checks echoed bytes against the bytes sent (echo_check.h) and records the latency of each
// measured message they complete. False (and the connection failed) at a wrong byte.
bool Client::verify(Connection& connection, std::span<const std::byte> data, Worker& worker) {
    const Clock::time_point now = Clock::now();  // these echoes' completion (latency_clock.h)
    const EchoVerdict verdict = connection.check.check(data);
    std::uint64_t messages = 0;
    for (std::uint64_t s = verdict.first; s < verdict.first + verdict.messages; ++s) {
        const Clock::time_point due = connection.clock.echoed(s, now);
        if (measured(due)) {
            worker.latency.record(now - due);
            ++messages;
        }
    }
    if (messages != 0) {
        worker.window.echoed(now);
    }
    messages_.fetch_add(messages, std::memory_order_relaxed);
    // A warm-up run counts whole measured messages; otherwise every verified byte counts.
    bytes_.fetch_add(options_.warmup ? messages * wire_ : verdict.matched,
                     std::memory_order_relaxed);
    if (!connection.warm && connection.check.echoed_messages() > 0) {
        note_warm(connection);  // served once
    }
    mismatched_.fetch_add(verdict.mismatched, std::memory_order_relaxed);
    if (!verdict.ok()) {
        fail(connection, verdict.error);
        return false;
    }
    return true;
}

// The moment the run let this connection's next message out, window aside: its connect, or in
// a warm-up run once the warm-up is over, the measuring's start.
Clock::time_point Client::gate(const Connection& connection) const noexcept {
    if (options_.warmup && !warming_.load(std::memory_order_acquire)) {
        return std::max(connection.ready_at, measure_start_);  // published by warming_
    }
    return connection.ready_at;
}

// Whether another message, due at `due`, may still start (window aside): the count not reached,
// or it fell due within the duration.
bool Client::more_to_start(const Connection& connection, Clock::time_point due) const noexcept {
    if (options_.messages != 0) {
        return connection.send_sequence < options_.messages;
    }
    if (warming_.load(std::memory_order_acquire)) {
        return connection.send_sequence == 0;  // one message each until all are warm
    }
    return due < deadline_ && (options_.stop == nullptr || !options_.stop->load());
}

// Whether a message due at `due` counts: warm-up runs count those due after the warm-up.
bool Client::measured(Clock::time_point due) const noexcept {
    return !options_.warmup || (!warming_.load(std::memory_order_acquire) && due >= measure_start_);
}

// Sends what the pipeline window allows, if the send context is free: fills a chunk with the
// rest of the current message and the messages that may start, and sends it.
void Client::pump(Connection& connection, Worker& worker) {
    if (connection.state != State::running || connection.send.in_flight) {
        return;  // the chunk is the system's until that send completes; on_sent calls again
    }
    std::vector<std::byte>& chunk = connection.chunk;
    chunk.clear();
    while (chunk.size() < buffer_size_) {   // each pass adds bytes or stops
        if (connection.send_offset == 0) {  // the next message would start here
            const bool window_open =
                connection.send_sequence - connection.check.echoed_messages() < options_.pipeline;
            if (!window_open) {
                break;
            }
            // Due when the window opened, or at its gate: not now, when its send can begin.
            const Clock::time_point gate_now = gate(connection);
            if (!more_to_start(connection,
                               connection.clock.due(connection.send_sequence, gate_now))) {
                break;
            }
            if (options_.protocol == Protocol::packet && chunk.size() + wire_ > buffer_size_) {
                break;  // a frame goes whole into one chunk
            }
            connection.clock.release(connection.send_sequence, gate_now);
        }
        if (options_.protocol == Protocol::packet) {
            append_message(chunk, Protocol::packet, options_.size, connection.index,
                           connection.send_sequence, worker.payload);
            ++connection.send_sequence;
            continue;
        }
        const std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(buffer_size_ - chunk.size(), wire_ - connection.send_offset));
        const std::size_t at = chunk.size();
        chunk.resize(at + n);  // within the reserved capacity: no reallocation
        fill_payload(connection.index, connection.send_sequence, connection.send_offset,
                     std::span{chunk}.subspan(at));
        connection.send_offset += n;
        if (connection.send_offset == wire_) {
            ++connection.send_sequence;
            connection.send_offset = 0;
        }
    }
    if (chunk.empty()) {
        return;  // the window is full, or every message is out
    }
    connection.check.sent(chunk.size());  // before the call: the echo may come at once
    connection.chunk_sent = 0;
    post_send(connection);
}

// Every message echoed and none to start: shut down our send side. The server sees the end of
// the stream, closes, and our posted receive completes with 0 bytes.
void Client::finish_if_done(Connection& connection) {
    if (connection.state != State::running || warming_.load(std::memory_order_acquire) ||
        !connection.check.all_echoed() ||
        more_to_start(connection,
                      connection.clock.due(connection.send_sequence, gate(connection)))) {
        return;
    }
    iocp::check_wsa(shutdown(connection.socket.get(), SD_SEND), "shutdown(SD_SEND)");
    connection.state = State::closing;
    connection.closing_since = Clock::now();
}

void Client::post_send(Connection& connection) {
    PerIoContext& io = connection.send;
    io.overlapped = WSAOVERLAPPED{};  // not in flight (its last completion was dequeued)
    io.wsabuf.buf = reinterpret_cast<char*>(connection.chunk.data() + connection.chunk_sent);
    io.wsabuf.len = static_cast<ULONG>(connection.chunk.size() - connection.chunk_sent);
    io.in_flight = true;
    ++connection.outstanding;
    // From here io.overlapped and the chunk belong to the system until this completion is
    // dequeued. It may be dequeued on another worker at once: that worker waits for
    // connection.mutex, which this thread holds.
    if (WSASend(connection.socket.get(), &io.wsabuf, 1, nullptr, 0, &io.overlapped, nullptr) ==
        SOCKET_ERROR) {
        const int error = WSAGetLastError();
        if (error != WSA_IO_PENDING) {  // failed at once: no completion will come
            io.in_flight = false;
            --connection.outstanding;
            fail(connection, describe_failure("WSASend", static_cast<DWORD>(error)));
        }
    }
}

void Client::post_receive(Connection& connection) {
    PerIoContext& io = connection.receive;
    io.overlapped = WSAOVERLAPPED{};  // not in flight (its last completion was dequeued)
    io.wsabuf.buf = reinterpret_cast<char*>(connection.inbox.data());
    io.wsabuf.len = static_cast<ULONG>(connection.inbox.size());
    io.in_flight = true;
    ++connection.outstanding;
    // From here io.overlapped and the inbox belong to the system until this completion is
    // dequeued.
    DWORD flags = 0;
    if (WSARecv(connection.socket.get(), &io.wsabuf, 1, nullptr, &flags, &io.overlapped, nullptr) ==
        SOCKET_ERROR) {
        const int error = WSAGetLastError();
        if (error != WSA_IO_PENDING) {  // failed at once: no completion will come
            io.in_flight = false;
            --connection.outstanding;
            fail(connection, describe_failure("WSARecv", static_cast<DWORD>(error)));
        }
    }
}

// Records the first failure and closes the socket. What it has in flight is cancelled and still
// completes: the contexts stay allocated until then (see retire).
void Client::fail(Connection& connection, std::string reason) noexcept {
    if (connection.state == State::closed) {
        return;
    }
    connection.error = std::move(reason);
    connection.state = State::closed;
    connection.socket.reset();
    note_warm(connection);  // it will never be warm: the warm-up must not wait for it
}

// A connection has been served once, or has failed: the warm-up ends with the last of them.
// Called under the connection's lock, so it only raises a flag; the worker acts on it after.
void Client::note_warm(Connection& connection) noexcept {
    if (connection.warm || !warming_.load(std::memory_order_acquire)) {
        return;
    }
    connection.warm = true;
    if (warmed_.fetch_add(1) + 1 == options_.connections) {
        warmup_ended_.store(true);
    }
}

// The warm-up is over: start the clock, then wake every connection (each is idle, its one
// message echoed) with a kick packet. Takes mutex_ and then each connection's lock, so it runs
// where no connection's lock is held.
void Client::begin_measuring_if_warm() {
    if (!warmup_ended_.exchange(false)) {
        return;
    }
    measure_start_ = Clock::now();
    deadline_ = measure_start_ + options_.duration;
    warming_.store(false, std::memory_order_release);  // publishes the two above
    if (options_.on_measuring) {
        options_.on_measuring();
    }
    const std::lock_guard lock{mutex_};
    for (const std::unique_ptr<Connection>& entry : connections_) {
        if (!entry) {
            continue;
        }
        const std::lock_guard connection_lock{entry->mutex};
        if (entry->state != State::running || entry->kick.in_flight) {
            continue;
        }
        entry->kick.in_flight = true;  // until its packet is dequeued
        ++entry->outstanding;
        try {
            port_.post(0, reinterpret_cast<ULONG_PTR>(entry.get()), &entry->kick.overlapped);
        } catch (const std::system_error& e) {
            entry->kick.in_flight = false;
            --entry->outstanding;
            fail(*entry, e.what());
        }
    }
}

// Frees a closed connection with nothing in flight. Called without its mutex, by the thread
// that saw its last completion (or its ConnectEx fail at once).
void Client::retire(Connection& connection) {
    std::unique_ptr<Connection> owned;
    {
        const std::lock_guard lock{mutex_};
        std::unique_ptr<Connection>& slot = connections_[connection.index];
        if (slot.get() != &connection) {
            return;  // abandoned by finish(): left allocated on purpose
        }
        if (connection.finished) {
            ++connections_ok_;
        } else {
            errors_.emplace_back(
                connection.index,
                "connection " + std::to_string(connection.index) + ": " + connection.error);
        }
        owned = std::move(slot);
        last_end_ = Clock::now();
        if (--live_ == 0) {
            all_retired_.notify_all();
        }
    }
    // `owned` frees the connection here, outside the lock.
}

// Connections that shut down their send side and wait too long for the server's close.
void Client::close_lingering(Clock::time_point now) {
    for (const std::unique_ptr<Connection>& entry : connections_) {
        if (!entry) {
            continue;
        }
        const std::lock_guard lock{entry->mutex};
        if (entry->state == State::closing && now - entry->closing_since > close_limit) {
            fail(*entry, "the server did not close the connection within " +
                             std::to_string(close_limit.count()) + " s of our shutdown(SD_SEND)");
        }
    }
}

// Closes every connection still open; their cancelled I/O retires them.
void Client::give_up(const std::string& why) {
    for (const std::unique_ptr<Connection>& entry : connections_) {
        if (!entry) {
            continue;
        }
        const std::lock_guard lock{entry->mutex};
        if (entry->state == State::closed) {
            continue;  // its last completions are on their way
        }
        static constexpr std::string_view states[] = {"connecting", "running", "closing", "closed"};
        std::string done = std::to_string(entry->check.echoed_messages());
        if (options_.messages != 0) {
            done += " of " + std::to_string(options_.messages);
        }
        fail(*entry, why + " (" + std::string{states[static_cast<int>(entry->state)]} + ", " +
                         done + " messages echoed)");
    }
}

// Connections whose I/O did not complete even after their sockets were closed still belong
// to the system: they are reported and left allocated, never freed under it.
void Client::abandon_in_flight() {
    for (std::unique_ptr<Connection>& entry : connections_) {
        if (!entry) {
            continue;
        }
        std::string error;
        {
            const std::lock_guard lock{entry->mutex};
            error = entry->error;
        }
        errors_.emplace_back(entry->index, "connection " + std::to_string(entry->index) + ": " +
                                               error + "; its I/O did not complete within " +
                                               std::to_string(drain_limit.count()) +
                                               " s of closing, so it is left allocated");
        static_cast<void>(entry.release());
        --live_;
    }
}

void Client::print_progress(std::ostream& out, Clock::time_point now) {
    const std::uint64_t messages = messages_.load(std::memory_order_relaxed);
    const std::uint64_t bytes = bytes_.load(std::memory_order_relaxed);
    const double interval = std::chrono::duration<double>(now - progress_at_).count();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (interval > 0) {
        const auto rate = static_cast<std::uint64_t>(
            static_cast<double>(messages - progress_messages_) / interval);
        out << std::fixed << std::setprecision(1) << elapsed << " s: " << live_ << " connections, "
            << rate << " msgs/s, " << static_cast<double>(bytes - progress_bytes_) / interval / 1e6
            << " MB/s" << std::endl;
    }
    progress_messages_ = messages;
    progress_bytes_ = bytes;
    progress_at_ = now;
}

void Client::stop_workers() noexcept {
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        try {
            port_.post(0, stop_key, nullptr);
        } catch (const std::exception& e) {
            // That worker stops at its own time limit instead.
            iocp::report_cleanup_exception("posting an echo client worker's sentinel", e);
        }
    }
    for (const std::unique_ptr<Worker>& worker : workers_) {
        if (worker->thread.joinable()) {
            worker->thread.join();
        }
    }
}

// [3] The end: wait (bounded), close stragglers, drain, stop the workers, report.
ClientReport Client::finish(std::ostream* progress) {
    {
        std::unique_lock lock{mutex_};
        const Clock::time_point limit_at = start_ + limit_;
        Clock::time_point next_tick = start_ + 1s;
        // One pass per second and one at the limit; the bound is only a backstop.
        const auto max_passes = static_cast<std::size_t>(
            std::chrono::duration_cast<std::chrono::seconds>(limit_).count() + 3);
        for (std::size_t pass = 0; live_ > 0 && pass < max_passes; ++pass) {
            all_retired_.wait_until(lock, std::min(next_tick, limit_at),
                                    [&] { return live_ == 0; });
            if (live_ == 0) {
                break;
            }
            const Clock::time_point now = Clock::now();
            if (now >= next_tick) {
                if (progress != nullptr) {
                    print_progress(*progress, now);
                }
                next_tick = std::max(next_tick + 1s, now);
            }
            close_lingering(now);
            if (now >= limit_at) {
                break;
            }
        }
        if (live_ > 0) {
            timed_out_ = true;
            const auto seconds = std::chrono::duration<double>(limit_).count();
            std::ostringstream why;
            why << "did not finish within the run's time limit of " << seconds << " s";
            give_up(why.str());
        }
        if (!all_retired_.wait_for(lock, drain_limit, [&] { return live_ == 0; })) {
            abandon_in_flight();
        }
    }
    stop_workers();
    ClientReport result = report();
    workers_.clear();
    if (worker_error_) {
        std::rethrow_exception(worker_error_);
    }
    return result;
}

ClientReport Client::report() {
    ClientReport result;
    result.options = options_;
    result.threads = static_cast<int>(workers_.size());
    LatencyHistogram latency;
    MeasuredWindow window;
    for (const std::unique_ptr<Worker>& worker : workers_) {
        latency.merge(worker->latency);  // joined: no lock needed
        window.merge(worker->window);
    }
    const std::lock_guard lock{mutex_};
    result.connections_ok = connections_ok_;
    result.messages = messages_.load();
    result.bytes = bytes_.load();
    result.mismatched_bytes = mismatched_.load();
    const Clock::time_point end = live_ == 0 && last_end_ > start_ ? last_end_ : Clock::now();
    const Clock::time_point from = options_.warmup ? measure_start_ : start_;
    result.seconds = std::chrono::duration<double>(end - from).count();
    result.measured_seconds = window.seconds_from(from);
    if (options_.warmup) {
        result.warmup_seconds = std::chrono::duration<double>(measure_start_ - start_).count();
    }
    if (result.measured_seconds > 0) {
        const double seconds = result.measured_seconds;
        result.messages_per_second = static_cast<double>(result.messages) / seconds;
        result.megabytes_per_second = static_cast<double>(result.bytes) / seconds / 1e6;
    }
    result.p50 = latency.percentile(0.50);
    result.p99 = latency.percentile(0.99);
    result.max = latency.max();
    result.timed_out = timed_out_;
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& error : errors_) {
        result.errors.push_back(error.second);
    }
    return result;
}

}  // namespace

ClientReport run_client(const ClientOptions& options, std::ostream* progress) {
    validate(options);
    const iocp::WinsockSession winsock;  // counted: harmless if the caller has one too
    const sockaddr_in server = server_address(options);
    Client client{options, server};
    client.start();
    return client.finish(progress);
}

void print_client_report(std::ostream& out, const ClientReport& report) {
    const ClientOptions& options = report.options;
    const auto micros = [](std::chrono::nanoseconds value) {
        return static_cast<double>(value.count()) / 1000.0;
    };
    const std::ios_base::fmtflags flags = out.flags();
    const std::streamsize precision = out.precision();
    out << std::fixed << std::setprecision(1);
    out << "connections: " << report.connections_ok << " of " << options.connections << " ok ("
        << protocol_name(options.protocol) << ", " << options.size
        << (options.protocol == Protocol::packet ? "-byte payloads" : "-byte messages")
        << ", pipeline " << options.pipeline << ", " << report.threads << " threads)\n";
    out << "messages:    " << report.messages << " in " << std::setprecision(3)
        << report.measured_seconds << " s, " << std::setprecision(0) << report.messages_per_second
        << " msgs/s (the run, closes included: " << std::setprecision(3) << report.seconds
        << " s)\n";
    if (options.warmup) {
        out << "warm-up:     " << std::setprecision(3) << report.warmup_seconds
            << " s until every connection had been served once (not measured)\n";
    }
    out << "bytes:       " << report.bytes << " echoed and verified, " << report.mismatched_bytes
        << " mismatched, " << std::setprecision(1) << report.megabytes_per_second << " MB/s\n";
    out << "latency:     p50 " << micros(report.p50) << " us, p99 " << micros(report.p99)
        << " us, max " << micros(report.max) << " us\n";
    if (report.timed_out) {
        out << "timed out:   connections were still open at the time limit\n";
    }
    for (const std::string& error : report.errors) {
        out << "error: " << error << '\n';
    }
    out << (report.ok() ? "result: ok" : "result: FAILED") << '\n';
    out.flags(flags);
    out.precision(precision);
}

}  // namespace ch04
