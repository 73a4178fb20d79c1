// tests/reliability/reliability_support.cpp: the reliability tests' server, clients and bounded
// waits (see the header). Every Winsock call's result is checked; every wait has a deadline
// and a count.
#include "reliability_support.h"

#include "message.h"  // chapter 4's pattern bytes

#include "iocp/error.h"
#include "iocp/loopback.h"

#include <winternl.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>

namespace reliability {

TestServer::TestServer(ch04::ServerOptions options, iocp::LogLevel level)
    : options_(on_port_0(std::move(options))), log_(sink_, level), server_(options_, log_) {}

ch04::ServerOptions TestServer::on_port_0(ch04::ServerOptions options) {
    options.port = 0;  // the system picks; port() reads it back
    if (options.threads == 0) {
        options.threads = 2;
    }
    return options;
}

testing::AssertionResult wait_for_counters(
    const TestServer& server, const std::function<bool(const ch04::ServerCounters&)>& condition,
    const std::string& what, Clock::duration limit) {
    ch04::ServerCounters last;
    if (poll_until(
            [&] {
                last = server.counters();
                return condition(last);
            },
            limit)) {
        return testing::AssertionSuccess();
    }
    return testing::AssertionFailure()
           << "waited " << std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()
           << " ms for " << what << "; counters: " << describe(last);
}

testing::AssertionResult wait_for_sessions(const TestServer& server, std::uint64_t sessions,
                                           Clock::duration limit) {
    // At rest the only I/O in flight is the AcceptEx calls kept posted (none in blocking mode);
    // with sessions alive, each has its receive (and perhaps a send) in flight too.
    const std::uint64_t accepts = server.options().accept == ch04::AcceptMode::acceptex
                                      ? static_cast<std::uint64_t>(server.options().accepts)
                                      : 0;
    return wait_for_counters(
        server,
        [&](const ch04::ServerCounters& c) {
            return c.sessions_alive == sessions && (sessions != 0 || c.io_in_flight == accepts);
        },
        std::to_string(sessions) + " sessions alive" +
            (sessions == 0 ? " and " + std::to_string(accepts) + " I/O in flight" : ""),
        limit);
}

std::string describe(const ch04::ServerCounters& c) {
    std::ostringstream out;
    out << "accepted " << c.accepted << ", closed " << c.closed << ", alive " << c.sessions_alive
        << ", io_in_flight " << c.io_in_flight << ", received " << c.bytes_received << ", sent "
        << c.bytes_sent << ", frames " << c.frames << ", bad_frames " << c.bad_frames
        << ", failed_accepts " << c.failed_accepts << ", read_pauses " << c.read_pauses
        << ", most_queued " << c.most_queued << ", refused " << c.refused << ", idle_closed "
        << c.idle_closed << ", stall_closed " << c.stall_closed << ", failed_handlers "
        << c.failed_handlers;
    return out.str();
}

void expect_all_freed(const ch04::ServerCounters& counters) {
    EXPECT_EQ(counters.sessions_alive, 0u) << describe(counters);
    EXPECT_EQ(counters.io_in_flight, 0u) << describe(counters);
    EXPECT_EQ(counters.closed, counters.accepted) << describe(counters);
    // A handler that threw, or a session invariant broken (session.cpp), is a bug here.
    EXPECT_EQ(counters.failed_handlers, 0u) << describe(counters);
}

namespace {

// This process's open handles, found by asking about each handle value in turn, and not from
// the system's list of every process's handles (NtQuerySystemInformation, class 16 or 64):
// Wine 8's server crashes building that list when some process's handle table is empty at that
// moment (a process starting or ending in a parallel test), and takes every Wine program down
// with it. Handle values are multiples of 4, given out lowest free first (Wine) or from the
// table's free list (Windows), so the open ones lie below the table's high-water mark; the scan
// stops after `gap_limit` values in a row that are not handles, far more than this suite ever
// has open at once.
std::vector<HANDLE> own_handles() {
    constexpr std::uintptr_t gap_limit = 16'384;
    std::vector<HANDLE> found;
    std::uintptr_t misses = 0;
    for (std::uintptr_t value = 4; misses < gap_limit; value += 4) {  // ends: misses grow
        const auto handle = reinterpret_cast<HANDLE>(value);
        DWORD flags = 0;
        if (!GetHandleInformation(handle, &flags)) {
            ++misses;
            continue;
        }
        misses = 0;
        found.push_back(handle);
    }
    return found;
}

using QueryObject = NTSTATUS(NTAPI*)(HANDLE, OBJECT_INFORMATION_CLASS, PVOID, ULONG, PULONG);

// ntdll's NtQueryObject, found at run time as common/src/wine.cpp finds wine_get_version.
QueryObject find_query_object() {
    const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    if (ntdll == nullptr) {
        iocp::throw_last_error("GetModuleHandleW(ntdll.dll)");
    }
    const FARPROC proc = GetProcAddress(ntdll, "NtQueryObject");
    if (proc == nullptr) {
        iocp::throw_last_error("GetProcAddress(NtQueryObject)");
    }
    return reinterpret_cast<QueryObject>(reinterpret_cast<void (*)()>(proc));
}

// The name of a handle's object type ("Event", "File", ...).
std::string type_name(QueryObject query, HANDLE handle) {
    // PUBLIC_OBJECT_TYPE_INFORMATION and its name, which follows it in the same buffer.
    alignas(PUBLIC_OBJECT_TYPE_INFORMATION) std::byte buffer[1024]{};
    ULONG needed = 0;
    const NTSTATUS status =
        query(handle, ObjectTypeInformation, buffer, static_cast<ULONG>(sizeof(buffer)), &needed);
    if (status < 0) {
        iocp::throw_win32_error("NtQueryObject(ObjectTypeInformation)", static_cast<DWORD>(status));
    }
    PUBLIC_OBJECT_TYPE_INFORMATION info{};
    std::memcpy(&info, buffer, sizeof(info));
    std::string name;
    for (USHORT i = 0; i < info.TypeName.Length / sizeof(WCHAR); ++i) {
        const WCHAR c = info.TypeName.Buffer[i];
        name += c < 0x80 ? static_cast<char>(c) : '?';  // type names are ASCII
    }
    return name;
}

}  // namespace

std::uint32_t process_handle_count() {
    DWORD count = 0;
    iocp::check_bool(GetProcessHandleCount(GetCurrentProcess(), &count), "GetProcessHandleCount");
    if (count == 0) {
        // No process lives without handles: this is Wine 8, whose ProcessHandleCount is a stub
        // that answers 0. Count them one by one.
        return static_cast<std::uint32_t>(own_handles().size());
    }
    return static_cast<std::uint32_t>(count);
}

std::map<std::string, int> handle_types() {
    std::map<std::string, int> types;
    const QueryObject query = find_query_object();  // once, not once a handle
    for (const HANDLE handle : own_handles()) {
        ++types[type_name(query, handle)];
    }
    return types;
}

std::string describe_change(const std::map<std::string, int>& before,
                            const std::map<std::string, int>& after) {
    std::map<std::string, std::pair<int, int>> counts;  // type: (before, after)
    for (const auto& [type, count] : before) {
        counts[type].first = count;
    }
    for (const auto& [type, count] : after) {
        counts[type].second = count;
    }
    std::ostringstream out;
    for (const auto& [type, count] : counts) {
        if (count.first != count.second) {
            out << " " << type << ": " << count.first << " -> " << count.second << ";";
        }
    }
    return out.str();
}

std::vector<std::byte> pattern(std::size_t id, std::size_t size, std::size_t offset) {
    std::vector<std::byte> bytes(size);
    ch04::fill_payload(id, 0, offset, bytes);
    return bytes;
}

iocp::UniqueSocket connect_client(std::uint16_t port, std::chrono::milliseconds timeout) {
    iocp::UniqueSocket socket = iocp::connect_loopback(port);
    iocp::testing::set_timeouts(socket.get(), timeout);
    const BOOL no_delay = TRUE;  // small writes (1-byte headers) leave at once
    iocp::check_wsa(setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY,
                               reinterpret_cast<const char*>(&no_delay), sizeof(no_delay)),
                    "setsockopt(TCP_NODELAY)");
    return socket;
}

testing::AssertionResult echo_once(std::uint16_t port, std::size_t id, std::size_t size) {
    iocp::UniqueSocket socket = connect_client(port);
    const std::vector<std::byte> sent = pattern(id, size);
    send_all(socket.get(), sent);
    const std::vector<std::byte> echoed = receive_exactly(socket.get(), size);
    socket.close();
    if (echoed != sent) {
        return testing::AssertionFailure() << "client " << id << ": " << echoed.size() << " of "
                                           << size << " bytes came back, or differ";
    }
    return testing::AssertionSuccess();
}

const char* kind_name(Ending::Kind kind) noexcept {
    switch (kind) {
        case Ending::Kind::closed:
            return "closed";
        case Ending::Kind::reset:
            return "reset";
        case Ending::Kind::timed_out:
            return "timed out";
    }
    return "?";
}

Ending wait_for_close(SOCKET socket, std::chrono::milliseconds limit, std::size_t max_bytes) {
    Ending ending;
    const Clock::time_point deadline = Clock::now() + limit;
    std::vector<std::byte> buffer(64 * 1024);
    // One pass per 100 ms at most: bounded by the deadline and by this count.
    const auto max_passes = static_cast<std::uint64_t>(limit.count() / 10 + 100);
    for (std::uint64_t pass = 0; pass < max_passes && Clock::now() < deadline; ++pass) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(socket, &readable);
        timeval wait{0, 100'000};
        if (iocp::check_wsa(select(0, &readable, nullptr, nullptr, &wait), "select") == 0) {
            continue;
        }
        const int n = recv(socket, reinterpret_cast<char*>(buffer.data()),
                           static_cast<int>(buffer.size()), 0);
        if (n == 0) {
            ending.kind = Ending::Kind::closed;
            return ending;
        }
        if (n == SOCKET_ERROR) {
            const int error = WSAGetLastError();
            if (error == WSAEWOULDBLOCK) {
                continue;
            }
            ending.kind = Ending::Kind::reset;
            ending.error = error;
            return ending;
        }
        ending.data.insert(ending.data.end(), buffer.begin(), buffer.begin() + n);
        if (ending.data.size() > max_bytes) {
            break;  // the server keeps sending: not a close
        }
    }
    ending.kind = Ending::Kind::timed_out;
    return ending;
}

void reset_connection(iocp::UniqueSocket& socket) {
    const linger abort_now{1, 0};  // SO_LINGER {1, 0}: closesocket sends a reset, not a FIN
    iocp::check_wsa(setsockopt(socket.get(), SOL_SOCKET, SO_LINGER,
                               reinterpret_cast<const char*>(&abort_now), sizeof(abort_now)),
                    "setsockopt(SO_LINGER)");
    socket.close();
}

EchoResult echo_verified(SOCKET socket, std::size_t id, std::size_t size, bool half_close,
                         bool read_to_close, std::chrono::milliseconds limit) {
    EchoResult result;
    u_long non_blocking = 1;
    iocp::check_wsa(ioctlsocket(socket, FIONBIO, &non_blocking), "ioctlsocket(FIONBIO)");
    const Clock::time_point deadline = Clock::now() + limit;
    constexpr std::size_t chunk = 64 * 1024;
    std::vector<std::byte> buffer(chunk);
    bool shut = false;
    // Each pass waits at most 100 ms: bounded by the deadline and by this count.
    const auto max_passes = static_cast<std::uint64_t>(limit.count()) * 100 + 1000;
    for (std::uint64_t pass = 0; pass < max_passes; ++pass) {
        const bool more_to_send = result.sent < size;
        if (!more_to_send && half_close && !shut) {
            iocp::check_wsa(shutdown(socket, SD_SEND), "shutdown(SD_SEND)");
            shut = true;
        }
        if (result.error != 0 || result.closed || result.extra ||
            (!read_to_close && result.received >= size)) {
            return result;
        }
        if (Clock::now() >= deadline) {
            result.timed_out = true;
            return result;
        }
        fd_set readable;
        fd_set writable;
        FD_ZERO(&readable);
        FD_ZERO(&writable);
        FD_SET(socket, &readable);
        FD_SET(socket, &writable);
        timeval wait{0, 100'000};
        if (iocp::check_wsa(
                select(0, &readable, more_to_send ? &writable : nullptr, nullptr, &wait),
                "select") == 0) {
            continue;
        }
        if (more_to_send && FD_ISSET(socket, &writable)) {
            const std::vector<std::byte> next =
                pattern(id, std::min(chunk, size - result.sent), result.sent);
            const int n = send(socket, reinterpret_cast<const char*>(next.data()),
                               static_cast<int>(next.size()), 0);
            if (n == SOCKET_ERROR) {
                const int error = WSAGetLastError();
                result.error = error == WSAEWOULDBLOCK ? 0 : error;
            } else {
                result.sent += static_cast<std::size_t>(n);
            }
        }
        if (FD_ISSET(socket, &readable)) {
            const int n = recv(socket, reinterpret_cast<char*>(buffer.data()),
                               static_cast<int>(buffer.size()), 0);
            if (n == 0) {
                result.closed = true;
            } else if (n == SOCKET_ERROR) {
                const int error = WSAGetLastError();
                result.error = error == WSAEWOULDBLOCK ? 0 : error;
            } else {
                const auto got = static_cast<std::size_t>(n);
                if (result.received + got > result.sent) {
                    result.extra = true;  // an echo of bytes never sent
                }
                const std::size_t checked = std::min(got, size - std::min(size, result.received));
                const std::vector<std::byte> expected = pattern(id, checked, result.received);
                for (std::size_t i = 0; i < checked; ++i) {
                    result.mismatched += expected[i] != buffer[i] ? 1 : 0;
                }
                result.received += got;
            }
        }
    }
    result.timed_out = true;
    return result;
}

std::string describe(const EchoResult& r) {
    std::ostringstream out;
    out << "sent " << r.sent << ", echoed " << r.received << ", mismatched " << r.mismatched
        << (r.extra ? ", extra bytes" : "") << (r.closed ? ", closed" : "") << ", error " << r.error
        << (r.timed_out ? ", timed out" : "");
    return out.str();
}

BackgroundLoad::BackgroundLoad(std::uint16_t port, ch04::Protocol protocol, std::size_t connections,
                               std::size_t size, std::size_t pipeline,
                               std::chrono::seconds run_for) {
    options_.port = port;
    options_.protocol = protocol;
    options_.connections = connections;
    options_.size = size;
    options_.pipeline = pipeline;
    options_.messages = 0;                // a duration run ...
    options_.duration = run_for;          // ... that finish() ends before this
    options_.time_limit = run_for + 10s;  // the client's own backstop
    options_.warmup = true;               // every connection echoed once, then on_measuring
    options_.stop = &stop_;
    options_.on_measuring = [this] {  // a client worker thread: only note it
        const std::lock_guard lock{mutex_};
        live_ = true;
        changed_.notify_all();
    };
    thread_ = std::thread{[this] { run(); }};
}

BackgroundLoad::~BackgroundLoad() {
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();  // run_client ends within its time limit
    }
}

void BackgroundLoad::run() noexcept {
    std::optional<ch04::ClientReport> report;
    std::exception_ptr error;
    try {
        report = ch04::run_client(options_);
    } catch (...) {
        error = std::current_exception();
    }
    const std::lock_guard lock{mutex_};
    report_ = std::move(report);
    error_ = error;
    done_ = true;
    changed_.notify_all();
}

testing::AssertionResult BackgroundLoad::wait_live(std::chrono::milliseconds limit) {
    std::unique_lock lock{mutex_};
    if (!changed_.wait_for(lock, limit, [&] { return live_ || done_; })) {
        return testing::AssertionFailure() << "the " << options_.connections
                                           << " background connections were not all echoed "
                                              "once within "
                                           << limit.count() << " ms";
    }
    if (!live_) {
        return testing::AssertionFailure() << "the background load ended before it was live";
    }
    return testing::AssertionSuccess();
}

ch04::ClientReport BackgroundLoad::finish() {
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();  // bounded by the client's time limit (110 s)
    }
    const std::lock_guard lock{mutex_};
    if (error_) {
        std::rethrow_exception(error_);
    }
    return *report_;
}

void expect_served(const ch04::ClientReport& report, std::size_t connections) {
    EXPECT_TRUE(report.ok()) << (report.errors.empty() ? "" : report.errors.front());
    EXPECT_EQ(report.connections_ok, connections);
    EXPECT_EQ(report.mismatched_bytes, 0u);
    EXPECT_FALSE(report.timed_out);
    EXPECT_GT(report.messages, 0u) << "the load echoed nothing while it was measured";
}

}  // namespace reliability
