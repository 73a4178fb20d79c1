// ch02_winsock_overlapped/acceptor.h: accepts clients on 127.0.0.1 and hands them to a server.
//
// A thread waits on two events: FD_ACCEPT on the listening socket (WSAEventSelect), and its own
// stop event. Each accepted socket is made an ordinary overlapped socket again and handed to
// EchoServer::adopt. Chapter 4 replaces this thread with AcceptEx on the port.
#pragma once
#include "echo_server.h"

#include "iocp/handle.h"
#include "iocp/socket.h"

#include <cstdint>
#include <exception>
#include <thread>

namespace ch02 {

class Acceptor {
public:
    // Listens on 127.0.0.1:port (0: the system picks) and starts accepting for `server`.
    // Throws std::system_error, e.g. WSAEADDRINUSE for a port already taken.
    Acceptor(EchoServer& server, std::uint16_t port);
    ~Acceptor();
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // Stops accepting and joins the thread; rethrows what the thread met. Call once.
    void stop();

private:
    void run();
    void accept_pending();

    EchoServer& server_;
    iocp::UniqueSocket listener_;
    std::uint16_t port_ = 0;
    iocp::UniqueHandle accept_event_;  // set by FD_ACCEPT
    iocp::UniqueHandle stop_event_;
    std::exception_ptr error_;
    std::thread thread_;  // last: starts after every member above exists
};

// A server and its acceptor, started and stopped together.
class RunningServer {
public:
    RunningServer(const ServerOptions& options, std::uint16_t port);
    ~RunningServer();
    RunningServer(const RunningServer&) = delete;
    RunningServer& operator=(const RunningServer&) = delete;

    std::uint16_t port() const noexcept { return acceptor_->port(); }
    EchoServer& server() noexcept { return *server_; }
    // Stops accepting, then stops the server: every session freed, every thread joined.
    // Returns the final stats. Call once.
    ServerStats stop();

private:
    std::unique_ptr<EchoServer> server_;
    std::unique_ptr<Acceptor> acceptor_;
    bool stopped_ = false;
};

}  // namespace ch02
