// tests/support/include/iocp/testing.h: helpers shared by the tests of every chapter.
//
// IOCP_SKIP_UNDER_WINE(reason) skips the rest of a test when it runs under Wine, stating the
// reason and naming the Windows CI workflow where it runs, for behaviour that Wine does not
// implement (the concurrency cap, LIFO wake order...).
// Never assert Wine's wrong behaviour instead, and never let such a test pass silently: CTest
// lists a skipped test as "Skipped" with this message.
//
// iocp::testing::thrown_by(call) returns the std::system_error that `call` throws (a failure if
// it throws none), so a test can check the error's code and text; handle_is_open(handle) says
// whether a HANDLE is still open (Windows). set_timeouts and connect_with_timeout bound a test
// socket's blocking calls, so a silent server fails a test in seconds instead of hanging it.
// poll_until(condition, limit) waits, bounded, for what another thread will make true;
// Countdown is std::latch with a bounded wait (and without MinGW's lost wake-up).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>

namespace iocp::testing {

// Runs `call`, expects it to throw std::system_error, and returns it for its code and text.
template <class Call>
std::system_error thrown_by(Call call) {
    try {
        call();
    } catch (const std::system_error& e) {
        return e;
    }
    ADD_FAILURE() << "no std::system_error was thrown";
    return std::system_error(std::error_code{});
}

// Polls `condition` until it holds: at most `max_polls` times and until `limit` has passed,
// sleeping a millisecond between polls. Returns whether it held.
inline bool poll_until(const std::function<bool()>& condition,
                       std::chrono::steady_clock::duration limit,
                       std::uint64_t max_polls = 100'000'000) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (std::uint64_t poll = 0; poll < max_polls; ++poll) {
        if (condition()) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        // Sleep, don't spin: the server's threads and the wineserver need the processor more
        // than we do, and a spinning poller on two cores would slow what it waits for.
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    return condition();
}

// std::latch's job, done with a mutex and a condition variable. Not std::latch: MinGW's GCC 12
// has no futex, so its latch waits through libstdc++'s fallback, which checks the count and
// then waits on a condition variable that count_down() notifies without taking the waiter's
// mutex. A count_down() between the check and the wait is lost, and wait() sleeps for good:
// ch02's shutdown tests hung that way about once in a hundred runs on a loaded machine (GCC 13
// fixed the fallback). And unlike std::latch, this wait is bounded. A Countdown of 1 is a gate.
class Countdown {
public:
    explicit Countdown(int count) : count_(count) {}
    void count_down() {
        {
            const std::lock_guard lock{mutex_};
            --count_;
        }
        reached_zero_.notify_all();
    }
    // True once the count is 0; false if `limit` passed first.
    [[nodiscard]] bool wait_for(std::chrono::seconds limit) {
        std::unique_lock lock{mutex_};
        return reached_zero_.wait_for(lock, limit, [this] { return count_ <= 0; });
    }

private:
    std::mutex mutex_;
    std::condition_variable reached_zero_;
    int count_;
};

}  // namespace iocp::testing

#ifdef _WIN32
#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/wine.h"
#include "iocp/win32.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace iocp::testing {

// How long a test's blocking socket call may wait for its peer before it fails.
inline constexpr std::chrono::milliseconds socket_patience{10'000};
// How long a test waits on a completion port for a packet it expects (milliseconds, as
// GetQueuedCompletionStatus takes them): bounds a failing test; a passing one never waits it out.
inline constexpr DWORD port_patience_ms = 10'000;

// Bounds every blocking send and receive on `socket` (SO_SNDTIMEO, SO_RCVTIMEO): a call that
// waits longer fails with WSAETIMEDOUT.
inline void set_timeouts(SOCKET socket, std::chrono::milliseconds timeout = socket_patience) {
    const DWORD ms = static_cast<DWORD>(timeout.count());
    for (const int option : {SO_RCVTIMEO, SO_SNDTIMEO}) {
        iocp::check_wsa(
            setsockopt(socket, SOL_SOCKET, option, reinterpret_cast<const char*>(&ms), sizeof(ms)),
            "setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)");
    }
}

// A port on 127.0.0.1 where nobody listens, and the socket that keeps it so: bound, never
// listening. A connect there is refused, and while `holder` lives no other process (a parallel
// test) can start listening on the port, as it could on the port of a listener just closed.
struct PortWithNoListener {
    iocp::UniqueSocket holder;
    std::uint16_t port = 0;
};
inline PortWithNoListener port_with_no_listener() {
    PortWithNoListener result{iocp::make_tcp_socket(), 0};
    const sockaddr_in address = iocp::loopback_address(0);  // the system picks a free port
    iocp::check_wsa(
        bind(result.holder.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
        "bind");
    result.port = iocp::local_port(result.holder.get());
    return result;
}

// A blocking client socket connected to 127.0.0.1:port, its sends and receives bounded.
inline iocp::UniqueSocket connect_with_timeout(
    std::uint16_t port, std::chrono::milliseconds timeout = socket_patience) {
    iocp::UniqueSocket socket = iocp::connect_loopback(port);
    set_timeouts(socket.get(), timeout);
    return socket;
}

// Sends every byte on a blocking socket (throws std::system_error on failure). At most 64 KiB
// a call, so a send timeout (SO_SNDTIMEO) bounds a stall, not the whole transfer.
inline void send_all(SOCKET socket, std::span<const std::byte> bytes) {
    constexpr std::size_t most_per_call = 64 * 1024;
    std::size_t sent = 0;
    while (sent < bytes.size()) {  // each pass sends at least one byte or throws
        const std::size_t size = std::min(bytes.size() - sent, most_per_call);
        sent += static_cast<std::size_t>(
            iocp::check_wsa(send(socket, reinterpret_cast<const char*>(bytes.data() + sent),
                                 static_cast<int>(size), 0),
                            "send"));
    }
}

// Receives exactly `size` bytes from a blocking socket, or fewer if the connection ends (closed,
// reset) or a receive times out (SO_RCVTIMEO): the caller sees the short result.
inline std::vector<std::byte> receive_exactly(SOCKET socket, std::size_t size) {
    std::vector<std::byte> bytes(size);
    std::size_t got = 0;
    while (got < size) {  // each pass receives at least one byte or ends the loop
        const int n = recv(socket, reinterpret_cast<char*>(bytes.data() + got),
                           static_cast<int>(size - got), 0);
        if (n <= 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    return bytes;
}

// Whether `handle` is an open handle of this process; any answer but "invalid handle" fails.
// After a close, the answer holds only until this process opens another handle: Windows may
// reuse a closed value at once. So probe right after the close, with nothing opened between.
inline bool handle_is_open(HANDLE handle) {
    DWORD flags = 0;
    if (GetHandleInformation(handle, &flags)) {
        return true;
    }
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    return false;
}

}  // namespace iocp::testing

#define IOCP_SKIP_UNDER_WINE(reason)                                        \
    do {                                                                    \
        if (::iocp::running_under_wine()) {                                 \
            GTEST_SKIP() << "Wine " << ::iocp::wine_version()               \
                         << " differs from Windows: " << (reason)           \
                         << ". On Windows this test runs (the CI workflow " \
                         << ".github/workflows/windows.yml)";               \
        }                                                                   \
    } while (false)
#endif
