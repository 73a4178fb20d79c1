// tests/bench/test_echo_server.h: a native echo server for the load driver's tests (Linux).
//
// One thread, one level-triggered epoll loop, listening on 127.0.0.1 on a port the system picks.
// It echoes every byte back and counts what it received, and it can misbehave on purpose, so
// the tests can check that the driver sees each fault. Connections are named by the order the
// server accepted them (0, 1, ...); driver_connection() maps that back to the driver's index by
// the first bytes the connection sent (bench::stream_byte).
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace bench::testing {

struct EchoFaults {
    // Flip (xor 0xFF) byte `corrupt_offset` of the echo of accepted connection `corrupt`.
    std::optional<std::size_t> corrupt;
    std::uint64_t corrupt_offset = 0;
    // Accept connection `starve`, never read from it.
    std::optional<std::size_t> starve;
    // Close accepted connection `close` once `close_after` bytes were echoed (0: on accept).
    std::optional<std::size_t> close;
    std::uint64_t close_after = 0;
    // Before the echo of every read holding a byte of [delay_from, delay_until) of a connection's
    // stream: a slow server. The sleep is the fault, not a synchronisation.
    std::chrono::microseconds delay{0};
    std::uint64_t delay_from = 0;
    std::uint64_t delay_until = ~std::uint64_t{0};
};

class TestEchoServer {
public:
    explicit TestEchoServer(EchoFaults faults = {});  // listening and running when it returns
    ~TestEchoServer();                                // stops the thread, closes every socket
    TestEchoServer(const TestEchoServer&) = delete;
    TestEchoServer& operator=(const TestEchoServer&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    std::uint64_t bytes_received() const noexcept { return received_.load(); }
    std::size_t accepted() const noexcept { return accepted_.load(); }
    std::size_t ended_by_client() const noexcept { return ended_.load(); }  // EOF or reset seen
    // The driver's index of accepted connection `accepted`, from its first 8 bytes: empty
    // until they arrived, or if no index below `connections` matches.
    std::optional<std::size_t> driver_connection(std::size_t accepted,
                                                 std::size_t connections) const;
    std::string error() const;  // empty, or the system call that failed in the server's thread

private:
    struct Connection {
        int fd = -1;
        std::size_t number = 0;  // accept order
        std::uint64_t received = 0;
        std::uint64_t echoed = 0;        // bytes handed to send()
        std::vector<std::byte> pending;  // received, not yet sent back
        bool writing = false;            // waiting for EPOLLOUT, not reading
    };

    void loop();
    void accept_all();
    void on_readable(std::size_t slot);
    void flush(std::size_t slot);
    void close(std::size_t slot);
    void set_interest(std::size_t slot, bool writing);
    void record_error(const std::string& what);

    EchoFaults faults_;
    int listener_ = -1;
    int epoll_ = -1;
    int wake_ = -1;  // an eventfd: the destructor's stop
    std::uint16_t port_ = 0;
    std::vector<Connection> connections_;  // by slot; a closed one keeps fd -1
    std::vector<int> starved_;             // accepted, never read
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::size_t> accepted_{0};
    std::atomic<std::size_t> ended_{0};
    mutable std::mutex mutex_;                         // guards first_bytes_ and error_
    std::vector<std::vector<std::byte>> first_bytes_;  // by accept number, up to 8 each
    std::string error_;
    std::thread thread_;
};

}  // namespace bench::testing
