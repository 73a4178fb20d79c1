// bench/driver/load_driver.cpp: the native load driver's epoll loop (see load_driver.h).
//
// Level-triggered epoll, not edge-triggered: each wake does at most one recv() per ready
// connection, and the connections left with data are reported again by the next epoll_wait.
// So the driver serves its connections round-robin and cannot starve one itself, which matters
// when starvation by the server is one of the things measured. Edge-triggered would oblige us to
// drain every socket to EAGAIN (one busy connection first) or to keep a ready list of our own.
// EPOLLOUT is in a connection's interest set only while send() has refused bytes, so an idle
// writable socket never wakes the loop.
//
// Nothing is buffered per connection: what goes out is made from stream_byte() as it is sent,
// and what comes back is checked against the same function, in one shared buffer each (one
// thread, one socket call at a time). A message's send time is kept in a ring of D per
// connection: message m + D cannot start before message m's echo is complete.
#include "load_driver.h"

#include "latency.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace bench {

bool LoadReport::ok() const noexcept {
    return error_count == 0 && errors.empty() && connections_ok == connections;
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t max_error_lines = 8;
constexpr std::size_t io_chunk = 64 * 1024;         // the most one send() or recv() moves
constexpr std::chrono::milliseconds stop_poll{10};  // the longest epoll_wait: *stop is read
constexpr int max_events = 256;                     // per epoll_wait
constexpr std::size_t spare_descriptors = 64;       // beyond one per connection

std::system_error errno_error(int error, const std::string& what) {
    return std::system_error(error, std::generic_category(), what);
}

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

std::string seconds_text(Clock::duration duration) {
    std::ostringstream out;
    out.precision(3);
    out << std::fixed << std::chrono::duration<double>(duration).count() << " s";
    return out.str();
}

std::string hex(std::byte value) {
    std::array<char, 8> text{};
    std::snprintf(text.data(), text.size(), "0x%02x", static_cast<unsigned>(value));
    return text.data();
}

// `from` + `duration`, saturating: a time limit of nanoseconds::max() means no limit.
Clock::time_point after(Clock::time_point from, std::chrono::nanoseconds duration) noexcept {
    const auto room = Clock::time_point::max() - from;
    return duration >= room ? Clock::time_point::max() : from + duration;
}

// An owned file descriptor. close() errors are ignored: there is nothing left to do about them
// on a socket we are done with.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const noexcept { return fd_; }
    void reset() noexcept {
        if (fd_ >= 0) {
            static_cast<void>(::close(fd_));  // closing also removes it from the epoll set
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
};

// splitmix64's finaliser: every input bit changes about half of the output bits.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9E37'79B9'7F4A'7C15u;
    x = (x ^ (x >> 30)) * 0xBF58'476D'1CE4'E5B9u;
    x = (x ^ (x >> 27)) * 0x94D0'49BB'1331'11EBu;
    return x ^ (x >> 31);
}

// Bytes [offset, offset + out.size()) of connection `connection`'s stream: 8 bytes per hash of
// (connection, offset / 8), so the stream has no period a message size could line up with.
void fill_stream(std::size_t connection, std::uint64_t offset, std::span<std::byte> out) {
    const std::uint64_t seed = mix64(connection);
    std::uint64_t word = mix64(seed ^ (offset >> 3));
    for (std::size_t i = 0; i < out.size(); ++i) {
        const std::uint64_t at = offset + i;
        if (i != 0 && (at & 7u) == 0) {
            word = mix64(seed ^ (at >> 3));
        }
        out[i] = static_cast<std::byte>(word >> ((at & 7u) * 8));
    }
}

// Raises the soft RLIMIT_NOFILE to the hard limit when C sockets would not fit under it.
void make_room_for(std::size_t connections) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        throw errno_error(errno, "getrlimit(RLIMIT_NOFILE)");
    }
    const rlim_t needed = static_cast<rlim_t>(connections + spare_descriptors);
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) {
        return;
    }
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
        throw errno_error(EMFILE, "RLIMIT_NOFILE: the hard limit " +
                                      std::to_string(limit.rlim_max) + " is below the " +
                                      std::to_string(needed) + " descriptors needed");
    }
    // An infinite hard limit cannot be the soft one for files (the kernel caps it at nr_open).
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        throw errno_error(errno, "setrlimit(RLIMIT_NOFILE)");
    }
}

enum class Phase {
    connecting,  // connect() in progress: waiting for EPOLLOUT
    open,        // connected: sending and checking (idle: holding)
    closing,     // burst: every echo checked, our FIN sent, waiting for the server's
    done,        // burst: closed in order
    failed,      // an error line names it; its socket is closed
};

struct Connection {
    Fd fd;
    Phase phase = Phase::connecting;
    bool writing = false;         // EPOLLOUT is in its interest set
    bool warmed = false;          // one echo has completed
    std::uint64_t sent = 0;       // stream bytes send() has taken
    std::uint64_t verified = 0;   // stream bytes echoed and checked
    std::uint64_t completed = 0;  // messages echoed whole
    std::uint64_t counted = 0;    // of them, in the window (burst: in the run)
    // sent_at[m % D]: when send() took message m's first byte.
    std::vector<Clock::time_point> sent_at;

    bool alive() const noexcept {
        return phase == Phase::connecting || phase == Phase::open || phase == Phase::closing;
    }
};

class Driver {
public:
    explicit Driver(const LoadOptions& options);
    LoadReport run();

private:
    enum class Mode { timed, burst, idle };

    void connect_all();
    void on_event(std::size_t index, std::uint32_t events);
    void on_connected(std::size_t index);
    void on_readable(std::size_t index);
    void complete_messages(std::size_t index, Clock::time_point now);
    void pump_send(std::size_t index);
    void want_write(std::size_t index, bool on);
    void fail(std::size_t index, const std::string& why);
    void add_error(std::string line);
    void leave(Connection& connection, Phase phase);
    void start_window();
    bool may_send() const noexcept;
    bool counts(const Connection& connection, std::uint64_t message,
                Clock::time_point now) const noexcept;
    void finish(Clock::time_point end);

    const LoadOptions& options_;
    Mode mode_;
    Fd epoll_;
    std::vector<Connection> connections_;
    std::vector<std::byte> out_, in_, expected_;  // shared: one socket call at a time
    ch04::LatencyHistogram latency_;
    LoadReport report_;

    Clock::time_point start_{};                      // just before the first connect()
    Clock::time_point deadline_{};                   // start_ + time_limit
    std::optional<Clock::time_point> last_done_;     // burst: the last one closed in order
    std::optional<Clock::time_point> window_start_;  // timed: the window; idle: all connected
    Clock::time_point window_end_{};
    std::size_t connecting_ = 0;  // connections in Phase::connecting
    std::size_t alive_ = 0;       // connecting, open or closing
    std::size_t unwarmed_ = 0;    // alive, without an echo yet
    bool measuring_called_ = false;
    bool time_limit_hit_ = false;
};

Driver::Driver(const LoadOptions& options)
    : options_(options),
      mode_(options.idle           ? Mode::idle
            : options.messages > 0 ? Mode::burst
                                   : Mode::timed),
      connections_(options.connections),
      out_(io_chunk),
      in_(io_chunk),
      expected_(io_chunk) {
    if (options.connections == 0 || options.size == 0 || options.pipeline == 0) {
        throw std::invalid_argument("load driver: connections, size and pipeline must be > 0");
    }
    if (options.idle && options.messages > 0) {
        throw std::invalid_argument("load driver: idle mode sends no messages");
    }
    for (Connection& connection : connections_) {
        connection.sent_at.resize(options.pipeline);
    }
    report_.connections = options.connections;
}

bool Driver::may_send() const noexcept {
    switch (mode_) {
        case Mode::burst:
            return true;
        case Mode::timed:
            return options_.warmup || window_start_.has_value();  // no warm-up: the window
        case Mode::idle:
            return false;
    }
    return false;
}

// Timed: sent and completed inside the window. Burst: every message of the run.
bool Driver::counts(const Connection& connection, std::uint64_t message,
                    Clock::time_point now) const noexcept {
    if (mode_ == Mode::burst) {
        return true;
    }
    return window_start_ && connection.sent_at[message % options_.pipeline] >= *window_start_ &&
           now < window_end_;
}

void Driver::add_error(std::string line) {
    ++report_.error_count;
    if (report_.errors.size() < max_error_lines) {
        report_.errors.push_back(std::move(line));
    }
}

// A connection leaves the alive phases (or only connecting, for `open`): the counts follow.
void Driver::leave(Connection& connection, Phase phase) {
    if (connection.phase == Phase::connecting) {
        --connecting_;
    }
    if (phase != Phase::open && phase != Phase::closing && connection.alive()) {
        --alive_;
        if (!connection.warmed) {
            --unwarmed_;
        }
    }
    connection.phase = phase;
}

void Driver::fail(std::size_t index, const std::string& why) {
    Connection& connection = connections_[index];
    add_error("connection " + std::to_string(index) + ": " + why);
    if (connection.alive()) {
        leave(connection, Phase::failed);
    }
    connection.phase = Phase::failed;
    connection.fd.reset();  // the others go on
}

void Driver::connect_all() {
    const sockaddr_in address{
        .sin_family = AF_INET,
        .sin_port = htons(options_.port),
        .sin_addr = {.s_addr = htonl(INADDR_LOOPBACK)},
        .sin_zero = {},
    };
    connecting_ = alive_ = unwarmed_ = connections_.size();
    for (std::size_t index = 0; index < connections_.size(); ++index) {
        Connection& connection = connections_[index];
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (fd < 0) {
            fail(index, "socket: " + errno_text(errno));
            continue;
        }
        connection.fd = Fd{fd};
        const int one = 1;
        if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
            fail(index, "setsockopt(TCP_NODELAY): " + errno_text(errno));
            continue;
        }
        epoll_event event{};
        event.events = EPOLLOUT;  // a connect() in progress completes as writable
        event.data.u64 = index;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
            fail(index, "epoll_ctl(ADD): " + errno_text(errno));
            continue;
        }
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
            on_connected(index);  // loopback may connect at once
        } else if (errno != EINPROGRESS) {
            fail(index, "connect: " + errno_text(errno));
        }
    }
}

void Driver::on_event(std::size_t index, std::uint32_t events) {
    Connection& connection = connections_[index];
    if (connection.phase == Phase::connecting) {
        int error = 0;
        socklen_t length = sizeof(error);
        if (::getsockopt(connection.fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
            fail(index, "getsockopt(SO_ERROR): " + errno_text(errno));
        } else if (error != 0) {
            fail(index, "connect: " + errno_text(error));
        } else {
            on_connected(index);
        }
        return;
    }
    if (!connection.alive()) {
        return;  // failed earlier in this batch of events
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
        on_readable(index);  // recv() reports the error, or the end of the stream
    }
    if (connection.alive() && (events & EPOLLOUT) != 0) {
        pump_send(index);
    }
}

void Driver::on_connected(std::size_t index) {
    Connection& connection = connections_[index];
    leave(connection, Phase::open);
    epoll_event event{};
    event.events = EPOLLIN;  // idle too: a close or a stray byte from the server is an error
    event.data.u64 = index;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, connection.fd.get(), &event) != 0) {
        fail(index, "epoll_ctl(MOD): " + errno_text(errno));
        return;
    }
    connection.writing = false;
    if (may_send()) {
        pump_send(index);
    }
}

void Driver::want_write(std::size_t index, bool on) {
    Connection& connection = connections_[index];
    if (connection.writing == on) {
        return;
    }
    epoll_event event{};
    event.events = static_cast<std::uint32_t>(EPOLLIN) |
                   (on ? static_cast<std::uint32_t>(EPOLLOUT) : std::uint32_t{0});
    event.data.u64 = index;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, connection.fd.get(), &event) != 0) {
        fail(index, "epoll_ctl(MOD): " + errno_text(errno));
        return;
    }
    connection.writing = on;
}

// Sends what the pipeline allows: up to D messages past the last one echoed whole (burst: and
// no further than `messages`). Each pass sends at least one byte or stops.
void Driver::pump_send(std::size_t index) {
    Connection& connection = connections_[index];
    if (connection.phase != Phase::open || !may_send()) {
        return;
    }
    const std::uint64_t size = options_.size;
    std::uint64_t allowed = connection.completed + options_.pipeline;
    if (mode_ == Mode::burst) {
        allowed = std::min<std::uint64_t>(allowed, options_.messages);
    }
    if (mode_ == Mode::timed && !window_start_) {
        // The warm-up: one message, then quiet until the window. Traffic from the connections
        // already warmed would compete with the accepts of the rest: asio's one posted accept
        // then waits behind a full round of echoes each time (measured under Wine: about 25
        // accepts a second with 600 connections echoing, so C=1000 never warmed up).
        allowed = 1;
    }
    const std::uint64_t limit = allowed * size;
    bool blocked = false;
    while (connection.sent < limit) {
        const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(
            limit - connection.sent, static_cast<std::uint64_t>(out_.size())));
        const std::span<std::byte> chunk{out_.data(), length};
        fill_stream(index, connection.sent, chunk);
        const Clock::time_point at = Clock::now();  // before the call: latency includes it
        const ssize_t result = ::send(connection.fd.get(), chunk.data(), length, MSG_NOSIGNAL);
        if (result < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                blocked = true;  // EPOLLOUT brings us back (level-triggered: at once for EINTR)
                break;
            }
            fail(index, "send: " + errno_text(errno) + " after " + std::to_string(connection.sent) +
                            " bytes sent");
            return;
        }
        const auto taken = static_cast<std::uint64_t>(result);
        // Every message whose first byte was in what send() took starts now.
        for (std::uint64_t message = (connection.sent + size - 1) / size;
             message * size < connection.sent + taken; ++message) {
            connection.sent_at[message % options_.pipeline] = at;
        }
        connection.sent += taken;
        if (taken < length) {
            blocked = true;  // the socket buffer is full: the rest follows when writable
            break;
        }
    }
    want_write(index, blocked);
}

void Driver::on_readable(std::size_t index) {
    Connection& connection = connections_[index];
    // One recv() per wake, however much is waiting: level-triggered epoll comes back for the
    // rest after the other ready connections had their turn.
    const ssize_t result = ::recv(connection.fd.get(), in_.data(), in_.size(), 0);
    const Clock::time_point now = Clock::now();  // the arrival of what it holds
    if (result < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return;
        }
        fail(index, "recv: " + errno_text(errno) + " after " + std::to_string(connection.verified) +
                        " of " + std::to_string(connection.sent) + " bytes echoed");
        return;
    }
    if (result == 0) {
        if (connection.phase == Phase::closing) {
            leave(connection, Phase::done);  // the orderly end: our FIN, then the server's
            connection.fd.reset();
            last_done_ = now;
            return;
        }
        fail(index, mode_ == Mode::idle ? std::string{"the server closed the idle connection"}
                                        : "the server closed the connection after echoing " +
                                              std::to_string(connection.verified) + " of " +
                                              std::to_string(connection.sent) + " bytes sent");
        return;
    }
    const auto received = static_cast<std::uint64_t>(result);
    if (mode_ == Mode::idle) {
        fail(index, "the server sent " + std::to_string(received) + " bytes on an idle connection");
        return;
    }
    // Check what can be an echo first, so a wrong byte is named before an overlong echo.
    const auto checkable =
        static_cast<std::size_t>(std::min(received, connection.sent - connection.verified));
    const std::span<std::byte> expected{expected_.data(), checkable};
    fill_stream(index, connection.verified, expected);
    if (std::memcmp(expected.data(), in_.data(), checkable) != 0) {
        const auto wrong = static_cast<std::size_t>(
            std::mismatch(expected.begin(), expected.end(), in_.begin()).first - expected.begin());
        const std::uint64_t offset = connection.verified + wrong;
        fail(index, "echo byte " + std::to_string(offset) + " (message " +
                        std::to_string(offset / options_.size) + ", byte " +
                        std::to_string(offset % options_.size) + "): expected " +
                        hex(expected[wrong]) + ", got " + hex(in_[wrong]));
        return;
    }
    connection.verified += checkable;
    if (checkable < received) {
        fail(index, "echo byte " + std::to_string(connection.verified) + " was never sent (" +
                        std::to_string(connection.sent) + " bytes sent)");
        return;
    }
    complete_messages(index, now);
}

void Driver::complete_messages(std::size_t index, Clock::time_point now) {
    Connection& connection = connections_[index];
    const std::uint64_t size = options_.size;
    // At most D messages were in flight, so this loop runs at most D times.
    while ((connection.completed + 1) * size <= connection.verified) {
        const std::uint64_t message = connection.completed++;
        if (counts(connection, message, now)) {
            latency_.record(now - connection.sent_at[message % options_.pipeline]);
            ++connection.counted;
            ++report_.messages;
        }
        if (!connection.warmed) {
            connection.warmed = true;
            --unwarmed_;
        }
    }
    if (mode_ == Mode::burst && connection.completed == options_.messages) {
        // Every echo checked: our FIN; the server's close ends the connection in order.
        if (::shutdown(connection.fd.get(), SHUT_WR) != 0) {
            fail(index, "shutdown(SHUT_WR): " + errno_text(errno));
            return;
        }
        leave(connection, Phase::closing);
        return;
    }
    pump_send(index);
}

void Driver::start_window() {
    // The callback first: whatever it does (sample the server, say) is not in the window.
    if (options_.on_measuring) {
        options_.on_measuring();
    }
    measuring_called_ = true;
    window_start_ = Clock::now();
    window_end_ = after(*window_start_, options_.measure);
    if (mode_ == Mode::timed) {
        for (std::size_t index = 0; index < connections_.size(); ++index) {
            pump_send(index);  // the connected ones start now (after the warm-up: the rest of D)
        }
    }
}

LoadReport Driver::run() {
    make_room_for(connections_.size());
    epoll_ = Fd{::epoll_create1(EPOLL_CLOEXEC)};
    if (epoll_.get() < 0) {
        throw errno_error(errno, "epoll_create1");
    }
    start_ = Clock::now();
    deadline_ = after(start_, options_.time_limit);
    connect_all();

    std::array<epoll_event, max_events> events{};
    // Bounded by time: every pass reads the clock, and epoll_wait waits at most stop_poll.
    for (;;) {
        if (options_.stop != nullptr && options_.stop->load(std::memory_order_acquire)) {
            report_.stopped = true;
            break;
        }
        Clock::time_point now = Clock::now();
        if (now >= deadline_) {
            time_limit_hit_ = true;
            break;
        }
        if (alive_ == 0) {
            break;  // burst: all done; any mode: all failed
        }
        if (!measuring_called_ && connecting_ == 0) {
            if (mode_ == Mode::idle || (mode_ == Mode::timed && unwarmed_ == 0) ||
                (mode_ == Mode::timed && !options_.warmup)) {
                start_window();
                now = Clock::now();
            }
        }
        if (mode_ == Mode::timed && window_start_ && now >= window_end_) {
            break;
        }
        Clock::time_point wake = std::min(deadline_, now + stop_poll);
        if (mode_ == Mode::timed && window_start_) {
            wake = std::min(wake, window_end_);
        }
        // Rounded up to whole milliseconds: waking early would only spin.
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - now);
        const int count = ::epoll_wait(epoll_.get(), events.data(), max_events,
                                       static_cast<int>(std::max<std::int64_t>(wait.count(), 0)));
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw errno_error(errno, "epoll_wait");
        }
        for (int i = 0; i < count; ++i) {
            on_event(static_cast<std::size_t>(events[static_cast<std::size_t>(i)].data.u64),
                     events[static_cast<std::size_t>(i)].events);
        }
    }
    finish(Clock::now());
    return std::move(report_);
}

void Driver::finish(Clock::time_point end) {
    const std::string limit_text = seconds_text(options_.time_limit);
    const std::string cut = report_.stopped ? std::string{"when the run was stopped"}
                                            : "within the time limit (" + limit_text + ")";
    switch (mode_) {
        case Mode::timed:
            if (window_start_) {
                const Clock::time_point stop_at = std::min(end, window_end_);
                report_.seconds = std::chrono::duration<double>(stop_at - *window_start_).count();
                if (time_limit_hit_ && end < window_end_) {
                    add_error("the time limit (" + limit_text + ") ended the window after " +
                              seconds_text(stop_at - *window_start_) + " of " +
                              seconds_text(options_.measure));
                }
            } else if (report_.stopped) {
                add_error("the run was stopped before the window started (" +
                          std::to_string(connections_.size() - unwarmed_) + " of " +
                          std::to_string(connections_.size()) + " connections warmed up)");
            } else {
                for (std::size_t index = 0; index < connections_.size(); ++index) {
                    const Connection& connection = connections_[index];
                    if (connection.phase == Phase::connecting) {
                        fail(index, "not connected " + cut);
                    } else if (connection.alive() && !connection.warmed) {
                        fail(index, "no echo " + cut + ", so the window never started");
                    }
                }
            }
            break;
        case Mode::burst:
            for (std::size_t index = 0; index < connections_.size(); ++index) {
                const Connection& connection = connections_[index];
                if (connection.alive()) {
                    ++report_.never_served;
                    fail(index, "not done " + cut + ": " + std::to_string(connection.completed) +
                                    " of " + std::to_string(options_.messages) +
                                    " messages echoed");
                }
            }
            // First connect to last done; to the run's end when some were never done.
            report_.seconds =
                std::chrono::duration<double>(
                    (report_.never_served == 0 && last_done_ ? *last_done_ : end) - start_)
                    .count();
            break;
        case Mode::idle:
            if (window_start_) {
                report_.seconds = std::chrono::duration<double>(end - *window_start_).count();
            }
            break;
    }

    report_.min_per_connection = std::numeric_limits<std::uint64_t>::max();
    for (Connection& connection : connections_) {
        const bool ok = mode_ == Mode::burst ? connection.phase == Phase::done
                                             : connection.phase == Phase::open;
        report_.connections_ok += ok ? 1 : 0;
        if (mode_ == Mode::timed && connection.counted == 0) {
            ++report_.never_served;
        }
        report_.min_per_connection = std::min(report_.min_per_connection, connection.counted);
        report_.max_per_connection = std::max(report_.max_per_connection, connection.counted);
        connection.fd.reset();  // the window is over: close all
    }
    report_.bytes = report_.messages * options_.size;
    if (report_.seconds > 0) {
        report_.messages_per_second = static_cast<double>(report_.messages) / report_.seconds;
        report_.megabytes_per_second = static_cast<double>(report_.bytes) / 1e6 / report_.seconds;
    }
    report_.p50 = latency_.percentile(0.50);
    report_.p99 = latency_.percentile(0.99);
    report_.p999 = latency_.percentile(0.999);
    report_.max = latency_.max();
}

}  // namespace

std::byte stream_byte(std::size_t connection, std::uint64_t offset) noexcept {
    std::byte value{};
    fill_stream(connection, offset, std::span<std::byte>{&value, 1});
    return value;
}

LoadReport run_load(const LoadOptions& options) {
    Driver driver{options};
    return driver.run();
}

}  // namespace bench
