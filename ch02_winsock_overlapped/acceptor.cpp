// ch02_winsock_overlapped/acceptor.cpp: the accepting thread (see acceptor.h).
#include "acceptor.h"

#include "iocp/error.h"
#include "iocp/loopback.h"

namespace ch02 {

Acceptor::Acceptor(EchoServer& server, std::uint16_t port)
    : server_(server),
      accept_event_(
          iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")),
      stop_event_(iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")) {
    iocp::Listener listener = iocp::listen_loopback(port);
    listener_ = std::move(listener.socket);
    port_ = listener.port;
    // FD_ACCEPT sets accept_event_ when a connection waits; it also makes the listener
    // non-blocking, so accept() says WSAEWOULDBLOCK when none is left.
    iocp::check_wsa(WSAEventSelect(listener_.get(), accept_event_.get(), FD_ACCEPT),
                    "WSAEventSelect");
    thread_ = std::thread([this] { run(); });
}

Acceptor::~Acceptor() {
    if (thread_.joinable()) {
        try {
            stop();
        } catch (const std::exception& e) {
            iocp::report_cleanup_exception("stopping the accepting thread", e);
        }
    }
}

void Acceptor::stop() {
    iocp::check_bool(SetEvent(stop_event_.get()), "SetEvent");
    thread_.join();
    listener_.close();
    if (error_) {
        std::rethrow_exception(error_);
    }
}

void Acceptor::run() {
    try {
        const WSAEVENT events[] = {stop_event_.get(), accept_event_.get()};
        for (;;) {
            // A finite wait: should an FD_ACCEPT ever be missed, the next timeout still finds
            // the waiting client, instead of leaving it unserved for good.
            const DWORD woke = WSAWaitForMultipleEvents(2, events, FALSE, 250, FALSE);
            if (woke == WSA_WAIT_FAILED) {
                iocp::throw_last_wsa_error("WSAWaitForMultipleEvents");
            }
            if (woke == WSA_WAIT_EVENT_0) {
                return;  // stop
            }
            accept_pending();  // on FD_ACCEPT, or on the timeout: accept() says if none waits
        }
    } catch (...) {
        error_ = std::current_exception();
    }
}

void Acceptor::accept_pending() {
    WSANETWORKEVENTS happened{};
    // Reads and clears the recorded FD_ACCEPT, and resets accept_event_.
    iocp::check_wsa(WSAEnumNetworkEvents(listener_.get(), accept_event_.get(), &happened),
                    "WSAEnumNetworkEvents");
    for (;;) {
        iocp::UniqueSocket client{accept(listener_.get(), nullptr, nullptr)};
        if (!client) {
            const int error = WSAGetLastError();
            if (error == WSAEWOULDBLOCK) {
                return;  // none left; FD_ACCEPT will fire for the next one
            }
            if (error == WSAECONNRESET) {
                continue;  // that client gave up before we took it: not the server's fault
            }
            iocp::throw_win32_error("accept", static_cast<DWORD>(error));
        }
        try {
            // The accepted socket inherits the listener's WSAEventSelect and non-blocking mode.
            // Undo both: it is served by overlapped I/O, and a refusal is a blocking send.
            iocp::check_wsa(WSAEventSelect(client.get(), nullptr, 0), "WSAEventSelect");
            u_long blocking = 0;
            iocp::check_wsa(ioctlsocket(client.get(), FIONBIO, &blocking), "ioctlsocket");
            server_.adopt(std::move(client));
        } catch (const std::system_error& e) {
            // One client that could not be taken on (it reset, say) costs that client only.
            iocp::report_cleanup_exception("dropping a new client", e);
        }
    }
}

RunningServer::RunningServer(const ServerOptions& options, std::uint16_t port)
    : server_(make_server(options)), acceptor_(std::make_unique<Acceptor>(*server_, port)) {}

RunningServer::~RunningServer() {
    if (!stopped_) {
        try {
            static_cast<void>(stop());
        } catch (const std::exception& e) {
            iocp::report_cleanup_exception("stopping the server", e);
        }
    }
}

ServerStats RunningServer::stop() {
    stopped_ = true;
    std::exception_ptr acceptor_error;
    try {
        acceptor_->stop();
    } catch (...) {
        acceptor_error = std::current_exception();
    }
    server_->stop();  // even when the acceptor failed: the sessions must still be drained
    if (acceptor_error) {
        std::rethrow_exception(acceptor_error);
    }
    return server_->stats();
}

}  // namespace ch02
