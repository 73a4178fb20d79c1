// tests/reliability/reliability_support.h: what every reliability test of chapter 4's server
// is built from. A server in-process that logs to a string; chapter 4's verifying client as a
// background load that keeps running while faults are injected; blocking clients that echo
// pattern bytes and check every one, half-close, reset, or wait for the server's close; and
// bounded waits (a count and a deadline, never a sleep) on the server's counters.
//
// Future scenarios (an idle timeout, a session limit) need only these: connect_client and
// wait_for_close see the server close an idle session, echo_verified proves that the others
// are still served, and wait_for_counters waits for the server to count what it did.
#pragma once
#include "echo_client.h"  // chapter 4's IOCP client
#include "server.h"

#include "iocp/log.h"
#include "iocp/testing.h"
#include "iocp/socket.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace reliability {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Chapter 4's server in this process, on 127.0.0.1 port 0, two workers unless told otherwise,
// logging (at `level` and above) into a string. Stopped by its destructor if not before.
class TestServer {
public:
    explicit TestServer(ch04::ServerOptions options = {},
                        iocp::LogLevel level = iocp::LogLevel::warn);

    std::uint16_t port() const noexcept { return server_.port(); }
    const ch04::ServerOptions& options() const noexcept { return options_; }
    ch04::ServerCounters counters() const { return server_.counters(); }
    ch04::ServerCounters stop() { return server_.stop(); }
    // What the server logged. Call only after stop(): the workers that write it have left.
    std::string log_text() const { return sink_.str(); }

private:
    static ch04::ServerOptions on_port_0(ch04::ServerOptions options);

    ch04::ServerOptions options_;
    std::ostringstream sink_;
    iocp::Logger log_;
    ch04::EchoServer server_;
};

using iocp::testing::poll_until;  // (iocp/testing.h)

// Waits (bounded) until the server's counters satisfy `condition`; on failure the message
// shows `what` and the counters last read.
testing::AssertionResult wait_for_counters(
    const TestServer& server, const std::function<bool(const ch04::ServerCounters&)>& condition,
    const std::string& what, Clock::duration limit = 20s);

// Waits (bounded) until exactly `sessions` are alive and no I/O is in flight but the server's
// posted AcceptEx calls: the server is at rest with only those sessions left.
testing::AssertionResult wait_for_sessions(const TestServer& server, std::uint64_t sessions,
                                           Clock::duration limit = 20s);

// One line with every counter, for failure messages.
std::string describe(const ch04::ServerCounters& counters);

// After stop(): nothing alive, nothing in flight, every session accepted was closed.
void expect_all_freed(const ch04::ServerCounters& counters);

// This process's open handles: GetProcessHandleCount, or under Wine 8 (whose answer there is
// always 0) a count of the handle values that are open (see the .cpp for why not the system's
// list of handles).
std::uint32_t process_handle_count();

// The process's handles counted by object type ("Event", "File", ...); and the difference
// between two such counts (" Event: 4 -> 5;"), to say what leaked. By type, not by value: a
// socket's handle value changes from one accept to the next, its type's count does not.
std::map<std::string, int> handle_types();
std::string describe_change(const std::map<std::string, int>& before,
                            const std::map<std::string, int>& after);

// ---- blocking clients -------------------------------------------------------------------

// The pattern bytes client `id` sends, from byte `offset` on (message.h: connection `id`,
// message 0), so every byte echoed is checked against the one it must be.
std::vector<std::byte> pattern(std::size_t id, std::size_t size, std::size_t offset = 0);

// A blocking client connected to 127.0.0.1:port whose send and receive give up after
// `timeout` (a silent server fails the test instead of hanging it).
iocp::UniqueSocket connect_client(std::uint16_t port, std::chrono::milliseconds timeout = 10s);

// send_all and receive_exactly: iocp/testing.h.
using iocp::testing::receive_exactly;
using iocp::testing::send_all;

// Connects, echoes `size` pattern bytes for client `id` and checks each, then closes
// gracefully. Success only if every byte came back as sent.
testing::AssertionResult echo_once(std::uint16_t port, std::size_t id, std::size_t size);

// How a connection ended, seen from the client.
struct Ending {
    enum class Kind { closed, reset, timed_out } kind = Kind::timed_out;
    int error = 0;                // the receive's error for `reset` (WSAECONNRESET...)
    std::vector<std::byte> data;  // bytes that arrived before the end
};
const char* kind_name(Ending::Kind kind) noexcept;

// Reads until the server closes (recv returns 0: `closed`) or resets (an error: `reset`), or
// `limit` passes (`timed_out`). At most `max_bytes` are kept; more also ends the wait.
Ending wait_for_close(SOCKET socket, std::chrono::milliseconds limit = 10s,
                      std::size_t max_bytes = 1024 * 1024);

// Sets SO_LINGER {1, 0} and closes: the peer gets a reset (RST), not a FIN.
void reset_connection(iocp::UniqueSocket& socket);

// The full-duplex echo of one client: sends `size` pattern bytes of client `id` while reading
// the echo (non-blocking, select() with a bounded deadline, so a large message cannot
// deadlock against a server that stops reading), checks every byte, optionally shuts down
// the send side after the last byte, and with `read_to_close` reads on until the server's
// close. The socket is left non-blocking.
struct EchoResult {
    std::size_t sent = 0;
    std::size_t received = 0;    // echoed bytes, each compared with the byte sent
    std::size_t mismatched = 0;  // echoed bytes that differ
    bool extra = false;          // more bytes came back than were sent
    bool closed = false;         // recv returned 0 after the echo (read_to_close)
    int error = 0;               // a socket error met, or 0
    bool timed_out = false;
};
EchoResult echo_verified(SOCKET socket, std::size_t id, std::size_t size, bool half_close,
                         bool read_to_close, std::chrono::milliseconds limit = 30s);
std::string describe(const EchoResult& result);

// ---- the background load ----------------------------------------------------------------

// The connections a test's background load keeps busy while it does something else.
inline constexpr std::size_t load_connections = 50;

// Chapter 4's verifying client (run_client) in a thread: `connections` connections, each
// sending `size`-byte messages (packet: payloads) with `pipeline` in flight, every echoed byte
// checked, until finish(). wait_live() returns once every connection has had an echo (the
// client's warm-up), so what a test does after it meets live, busy sessions. The load ends by
// itself after `run_for` (the default is inside CTest's 120 s): a test calls finish() before.
class BackgroundLoad {
public:
    BackgroundLoad(std::uint16_t port, ch04::Protocol protocol, std::size_t connections,
                   std::size_t size = 512, std::size_t pipeline = 4,
                   std::chrono::seconds run_for = 100s);
    ~BackgroundLoad();
    BackgroundLoad(const BackgroundLoad&) = delete;
    BackgroundLoad& operator=(const BackgroundLoad&) = delete;

    std::size_t connections() const noexcept { return options_.connections; }
    testing::AssertionResult wait_live(std::chrono::milliseconds limit = 30s);
    // Tells the client to start no new message and waits for it (bounded by its time limit).
    ch04::ClientReport finish();

private:
    void run() noexcept;

    ch04::ClientOptions options_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable changed_;
    bool live_ = false;
    bool done_ = false;
    std::optional<ch04::ClientReport> report_;
    std::exception_ptr error_;
    std::thread thread_;
};

// Every connection of the load finished in order and every byte came back as sent.
void expect_served(const ch04::ClientReport& report, std::size_t connections);

}  // namespace reliability
