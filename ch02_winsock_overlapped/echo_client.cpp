// ch02_winsock_overlapped/echo_client.cpp: the verifying echo client (see echo_client.h).
#include "echo_client.h"

#include "iocp/error.h"
#include "iocp/loopback.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace ch02 {
namespace {

constexpr std::size_t window = 32 * 1024;
constexpr DWORD receive_timeout_ms = 10'000;
constexpr std::uint64_t max_total_bytes = 1ull << 30;

struct ConnectionResult {
    bool ok = false;
    std::uint64_t verified = 0;
    std::uint64_t wrong = 0;
    std::string error;
};

void send_all(SOCKET socket, const unsigned char* data, std::size_t size) {
    std::size_t sent = 0;
    while (sent < size) {
        const int n = send(socket, reinterpret_cast<const char*>(data + sent),
                           static_cast<int>(size - sent), 0);
        sent += static_cast<std::size_t>(iocp::check_wsa(n, "send"));
    }
}

// Reads exactly `size` bytes; throws if the server closes first, quoting what it said.
void receive_exactly(SOCKET socket, unsigned char* data, std::size_t size) {
    std::size_t received = 0;
    while (received < size) {
        const int n = iocp::check_wsa(recv(socket, reinterpret_cast<char*>(data + received),
                                           static_cast<int>(size - received), 0),
                                      "recv");
        if (n == 0) {
            std::string said(reinterpret_cast<const char*>(data), received);
            said.erase(std::remove(said.begin(), said.end(), '\n'), said.end());
            throw std::runtime_error("the server closed the connection after " +
                                     std::to_string(received) + " of " + std::to_string(size) +
                                     " bytes" + (said.empty() ? "" : ": \"" + said + "\""));
        }
        received += static_cast<std::size_t>(n);
    }
}

ConnectionResult run_connection(const ClientOptions& options, std::size_t index) {
    ConnectionResult result;
    try {
        iocp::UniqueSocket socket = iocp::connect_loopback(options.port);
        const DWORD timeout = receive_timeout_ms;  // a silent server fails the test, not hangs it
        iocp::check_wsa(setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO,
                                   reinterpret_cast<const char*>(&timeout), sizeof(timeout)),
                        "setsockopt");
        std::vector<unsigned char> sent(options.size);
        std::vector<unsigned char> echoed(std::min(window, options.size));
        for (std::size_t message = 0; message < options.messages; ++message) {
            for (std::size_t i = 0; i < sent.size(); ++i) {
                sent[i] = message_byte(index, message, i);
            }
            for (std::size_t offset = 0; offset < sent.size(); offset += window) {
                const std::size_t chunk = std::min(window, sent.size() - offset);
                send_all(socket.get(), sent.data() + offset, chunk);
                receive_exactly(socket.get(), echoed.data(), chunk);
                for (std::size_t i = 0; i < chunk; ++i) {
                    if (echoed[i] == sent[offset + i]) {
                        ++result.verified;
                    } else {
                        ++result.wrong;
                    }
                }
            }
        }
        // An orderly end: say we are done, and see the server close its side too.
        iocp::check_wsa(shutdown(socket.get(), SD_SEND), "shutdown");
        char extra = 0;
        if (iocp::check_wsa(recv(socket.get(), &extra, 1, 0), "recv") != 0) {
            throw std::runtime_error("the server sent bytes nobody asked for");
        }
        result.ok = result.wrong == 0;
    } catch (const std::exception& e) {
        result.error = "connection " + std::to_string(index + 1) + ": " + e.what();
    }
    return result;
}

void check(const ClientOptions& options) {
    if (options.port == 0) {
        throw std::invalid_argument("--port is needed: the port the server printed");
    }
    if (options.connections == 0 || options.messages == 0 || options.size == 0) {
        throw std::invalid_argument("--connections, --messages and --size must be at least 1");
    }
    if (options.size > max_total_bytes / options.messages / options.connections) {
        throw std::invalid_argument("connections x messages x size must be at most 1 GiB");
    }
}

}  // namespace

unsigned char message_byte(std::size_t connection, std::size_t message, std::size_t offset) {
    const std::uint64_t mixed = (connection + 1) * 0x9E37'79B9ull + (message + 1) * 0x85EB'CA6Bull +
                                offset * 0xC2B2'AE35ull;
    return static_cast<unsigned char>(mixed >> 11);
}

ClientReport run_client(const ClientOptions& options) {
    check(options);
    ClientReport report;
    report.options = options;
    std::vector<ConnectionResult> results(options.connections);
    const auto start = std::chrono::steady_clock::now();
    {
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < options.connections; ++i) {
            threads.emplace_back([&, i] { results[i] = run_connection(options, i); });
        }
        for (std::thread& thread : threads) {
            thread.join();
        }
    }
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const ConnectionResult& result : results) {
        report.connections_ok += result.ok ? 1 : 0;
        report.bytes_verified += result.verified;
        report.bytes_wrong += result.wrong;
        if (!result.error.empty()) {
            report.errors.push_back(result.error);
        }
    }
    return report;
}

}  // namespace ch02
