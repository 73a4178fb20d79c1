// tests/bench/test_echo_server.cpp: the load driver tests' echo server (see test_echo_server.h).
#include "test_echo_server.h"

#include "load_driver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace bench::testing {
namespace {

constexpr std::uint64_t wake_tag = ~std::uint64_t{0};
constexpr std::uint64_t listener_tag = wake_tag - 1;
constexpr std::size_t identity_bytes = 8;          // what driver_connection() compares
constexpr std::size_t most_accepts_a_wake = 1024;  // then the others get a turn

int check(int result, const char* what) {
    if (result < 0) {
        throw std::system_error(errno, std::generic_category(), what);
    }
    return result;
}

void close_fd(int& fd) noexcept {
    if (fd >= 0) {
        static_cast<void>(::close(fd));
        fd = -1;
    }
}

}  // namespace

TestEchoServer::TestEchoServer(EchoFaults faults) : faults_(faults) {
    try {
        listener_ =
            check(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;  // the system picks a free port
        check(::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
              "bind");
        check(::listen(listener_, SOMAXCONN), "listen");
        socklen_t length = sizeof(address);
        check(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length),
              "getsockname");
        port_ = ntohs(address.sin_port);
        epoll_ = check(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
        wake_ = check(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
        for (const auto& [fd, tag] : {std::pair{listener_, listener_tag}, {wake_, wake_tag}}) {
            epoll_event event{};
            event.events = EPOLLIN;
            event.data.u64 = tag;
            check(::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event), "epoll_ctl(ADD)");
        }
        thread_ = std::thread{[this] { loop(); }};
    } catch (...) {
        close_fd(wake_);
        close_fd(epoll_);
        close_fd(listener_);
        throw;
    }
}

TestEchoServer::~TestEchoServer() {
    const std::uint64_t one = 1;
    if (::write(wake_, &one, sizeof(one)) != static_cast<ssize_t>(sizeof(one))) {
        std::abort();  // the thread would never end: joining would hang the test
    }
    thread_.join();
    for (Connection& connection : connections_) {
        close_fd(connection.fd);
    }
    for (int& fd : starved_) {
        close_fd(fd);
    }
    close_fd(wake_);
    close_fd(epoll_);
    close_fd(listener_);
}

std::optional<std::size_t> TestEchoServer::driver_connection(std::size_t accepted,
                                                             std::size_t connections) const {
    const std::lock_guard lock{mutex_};
    if (accepted >= first_bytes_.size() || first_bytes_[accepted].size() < identity_bytes) {
        return std::nullopt;
    }
    const std::vector<std::byte>& bytes = first_bytes_[accepted];
    for (std::size_t candidate = 0; candidate < connections; ++candidate) {
        bool same = true;
        for (std::size_t k = 0; k < identity_bytes && same; ++k) {
            same = bytes[k] == bench::stream_byte(candidate, k);
        }
        if (same) {
            return candidate;
        }
    }
    return std::nullopt;
}

std::string TestEchoServer::error() const {
    const std::lock_guard lock{mutex_};
    return error_;
}

void TestEchoServer::record_error(const std::string& what) {
    const std::lock_guard lock{mutex_};
    if (error_.empty()) {
        error_ = what + ": " + std::generic_category().message(errno);
    }
}

// Until the destructor's eventfd write; a failed epoll_wait ends it early, with error() set.
void TestEchoServer::loop() {
    std::array<epoll_event, 64> events{};
    for (;;) {
        const int count = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            record_error("epoll_wait");
            return;
        }
        for (int i = 0; i < count; ++i) {
            const epoll_event& event = events[static_cast<std::size_t>(i)];
            if (event.data.u64 == wake_tag) {
                return;
            }
            if (event.data.u64 == listener_tag) {
                accept_all();
                continue;
            }
            const auto slot = static_cast<std::size_t>(event.data.u64);
            if (connections_[slot].fd < 0) {
                continue;  // closed earlier in this batch
            }
            if ((event.events & EPOLLOUT) != 0 || !connections_[slot].pending.empty()) {
                flush(slot);  // reads wait until the echo so far is out: back-pressure
            } else {
                on_readable(slot);
            }
        }
    }
}

void TestEchoServer::accept_all() {
    for (std::size_t i = 0; i < most_accepts_a_wake; ++i) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return;
            }
            if (errno == ECONNABORTED || errno == EINTR) {
                continue;
            }
            record_error("accept4");
            return;
        }
        const std::size_t number = accepted_.fetch_add(1);
        {
            const std::lock_guard lock{mutex_};
            first_bytes_.emplace_back();
        }
        if (faults_.starve == number) {
            starved_.push_back(fd);
            continue;
        }
        if (faults_.close == number && faults_.close_after == 0) {
            static_cast<void>(::close(fd));
            continue;
        }
        connections_.push_back(Connection{fd, number, 0, 0, {}, false});
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = connections_.size() - 1;
        if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
            record_error("epoll_ctl(ADD)");
            close(connections_.size() - 1);
        }
    }
}

void TestEchoServer::on_readable(std::size_t slot) {
    Connection& connection = connections_[slot];
    std::array<std::byte, 64 * 1024> buffer{};
    const ssize_t result = ::recv(connection.fd, buffer.data(), buffer.size(), 0);
    if (result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    if (result <= 0) {  // the end of the stream, or a reset: the client is gone
        ended_.fetch_add(1);
        close(slot);
        return;
    }
    const auto count = static_cast<std::size_t>(result);
    const std::uint64_t offset = connection.received;
    received_.fetch_add(count);
    if (offset < identity_bytes) {
        const std::lock_guard lock{mutex_};
        std::vector<std::byte>& first = first_bytes_[connection.number];
        const std::size_t wanted = std::min<std::size_t>(identity_bytes - first.size(), count);
        first.insert(first.end(), buffer.begin(), buffer.begin() + static_cast<long>(wanted));
    }
    connection.received += count;
    if (faults_.corrupt == connection.number && faults_.corrupt_offset >= offset &&
        faults_.corrupt_offset < connection.received) {
        buffer[static_cast<std::size_t>(faults_.corrupt_offset - offset)] ^= std::byte{0xFF};
    }
    std::size_t echo = count;
    if (faults_.close == connection.number) {
        echo = static_cast<std::size_t>(std::min<std::uint64_t>(
            count, faults_.close_after - std::min(faults_.close_after, offset)));
    }
    connection.pending.assign(buffer.begin(), buffer.begin() + static_cast<long>(echo));
    if (faults_.delay.count() > 0 && offset < faults_.delay_until &&
        connection.received > faults_.delay_from) {
        std::this_thread::sleep_for(faults_.delay);
    }
    flush(slot);
}

// Sends what is pending; reads resume once it is all out. Each pass sends or stops.
void TestEchoServer::flush(std::size_t slot) {
    Connection& connection = connections_[slot];
    while (!connection.pending.empty()) {
        const ssize_t result = ::send(connection.fd, connection.pending.data(),
                                      connection.pending.size(), MSG_NOSIGNAL);
        if (result < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                set_interest(slot, true);
                return;
            }
            ended_.fetch_add(1);  // EPIPE, ECONNRESET: the client is gone
            close(slot);
            return;
        }
        connection.echoed += static_cast<std::uint64_t>(result);
        connection.pending.erase(connection.pending.begin(),
                                 connection.pending.begin() + static_cast<long>(result));
    }
    if (faults_.close == connection.number && connection.echoed >= faults_.close_after) {
        close(slot);
        return;
    }
    set_interest(slot, false);
}

void TestEchoServer::set_interest(std::size_t slot, bool writing) {
    if (connections_[slot].writing == writing) {
        return;
    }
    connections_[slot].writing = writing;
    epoll_event event{};
    event.events = writing ? EPOLLOUT : EPOLLIN;
    event.data.u64 = slot;
    if (::epoll_ctl(epoll_, EPOLL_CTL_MOD, connections_[slot].fd, &event) != 0) {
        record_error("epoll_ctl(MOD)");
        close(slot);
    }
}

void TestEchoServer::close(std::size_t slot) {
    close_fd(connections_[slot].fd);  // closing also takes it out of the epoll set
}

}  // namespace bench::testing
