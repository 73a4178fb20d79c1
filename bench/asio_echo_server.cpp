// asio_echo_server: the benchmark's peer, an asynchronous TCP echo server written with asio.
//
// Chapter 4's server is IOCP by hand; this is the same service as asio's users write it, built
// by the same compiler, so on Windows (and under Wine) it runs on asio's IOCP backend: the
// numbers compare two users of one kernel mechanism. It is the classic asio echo: a session
// reads what has arrived (async_read_some into its own 16 KiB buffer, ch04's receive size),
// writes all of it back (async_write), then reads again. A session is a shared_ptr that its one
// pending handler keeps alive; when its client closes or fails, the chain ends and so does the
// session. It is a fair peer: TCP_NODELAY on every accepted socket, as ch04's server sets, one
// io_context run by T threads, and nothing logged on the hot path.
//
// Needs:   standalone asio (Debian: libasio-dev; see cmake/IocpAsio.cmake).
// Usage:   asio_echo_server [--port 9000] [--threads N] [--concurrency N] [--exit-after N]
//                           [--duration S] [--report-on-stdin]
//          First line: "listening on 127.0.0.1:PORT (asio, T threads)", the shape of ch04's,
//          so ch04's client can read the port from a pipe (--port-from-stdin). It stops after
//          --duration seconds, once --exit-after sessions have closed, or on Ctrl+C, and prints
//          "sessions: N accepted, N closed". With --report-on-stdin each line on stdin gets one
//          line on stdout, "report: working_set=N peak_working_set=N private_bytes=N
//          commit_bytes=N sessions=N held_buffer_bytes=N bytes_received=N bytes_sent=N" (the
//          keys of ch04's report that asio's server can know), and "stop" or EOF stops it.
// Try it:  asio_echo_server --port 9000
//          ch04_echo_server client --port 9000 --connections 64 --pipeline 16 --duration 3
#include "iocp/cli.h"
#include "iocp/error.h"
#include "iocp/log.h"
#include "iocp/process_memory.h"
#include "iocp/stdin_lines.h"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/windows/object_handle.hpp>
#include <asio/write.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace {

using asio::ip::tcp;

// asio reports a Windows failure as its Win32 or Winsock code in asio::system_category(), whose
// text comes from FormatMessage: under Wine often just "asio.system error". common/ names the
// code (WSAEADDRINUSE) and has a text of its own for the ones this tutorial meets.
bool is_win32_code(const std::error_code& error) {
    return error.category() == asio::system_category();
}

std::string describe(const std::error_code& error) {
    if (!is_win32_code(error)) {
        return error.message();
    }
    const auto code = static_cast<DWORD>(error.value());
    std::string text = "error " + std::to_string(code);
    if (const std::string_view name = iocp::win32_error_name(code); !name.empty()) {
        text += ", ";
        text += name;
    }
    return text + ": " + iocp::win32_message(code);
}

void check(const std::error_code& error, std::string_view call) {
    if (!error) {
        return;
    }
    if (is_win32_code(error)) {
        iocp::throw_win32_error(call, static_cast<DWORD>(error.value()));
    }
    throw std::system_error(error, std::string(call));
}

struct Options {
    std::uint16_t port = 9000;
    unsigned threads = 0;                 // 0: one per processor
    std::optional<unsigned> concurrency;  // the io_context's hint; none: the thread count
    std::uint64_t exit_after = 0;         // stop once this many sessions have closed (0: never)
    double duration_s = 0;                // stop after this many seconds (0: never)
    bool report_on_stdin = false;         // a report line per stdin line; "stop" or EOF stops
};

// What --report-on-stdin reports of the sessions. Relaxed atomics shared by every thread, as
// an asio user would count: one locked add per completion, which ch04's per-worker slots avoid
// and which is small beside the completion itself. Declared before the io_context, so it
// outlives the sessions that its destruction still frees.
struct Traffic {
    std::atomic<std::uint64_t> live_sessions{0};  // Session objects alive
    std::atomic<std::uint64_t> bytes_received{0};
    std::atomic<std::uint64_t> bytes_sent{0};
};

// What the sessions share: the io_context to stop and the counters. It outlives every session
// that can call it (sessions call it only from handlers, and handlers run only inside run()).
class Server {
public:
    Server(asio::io_context& io, std::uint64_t exit_after) : io_{io}, exit_after_{exit_after} {}

    void session_accepted() noexcept { accepted_.fetch_add(1, std::memory_order_relaxed); }

    // Called once per session, from the handler that ends its chain.
    void session_closed() {
        const std::uint64_t closed = closed_.fetch_add(1, std::memory_order_acq_rel) + 1;
        if (exit_after_ > 0 && closed >= exit_after_) {
            io_.stop();  // every thread's run() returns; pending handlers are never called
        }
    }

    std::uint64_t accepted() const noexcept { return accepted_.load(); }
    std::uint64_t closed() const noexcept { return closed_.load(); }

private:
    asio::io_context& io_;
    const std::uint64_t exit_after_;
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> closed_{0};
};

class Session : public std::enable_shared_from_this<Session> {
public:
    // The 16 KiB buffer is a member, allocated with the session and freed with it, so the
    // bytes the sessions hold in buffers are exactly live_sessions * buffer_size.
    static constexpr std::size_t buffer_size = 16 * 1024;

    Session(tcp::socket socket, Server& server, Traffic& traffic)
        : socket_{std::move(socket)}, server_{server}, traffic_{traffic} {
        traffic_.live_sessions.fetch_add(1, std::memory_order_relaxed);
    }
    ~Session() { traffic_.live_sessions.fetch_sub(1, std::memory_order_relaxed); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start() { read(); }

private:
    // One operation at a time per session (read, then write, then read), so its handlers never
    // run at once and need no strand.
    void read() {
        socket_.async_read_some(asio::buffer(buffer_),
                                [self = shared_from_this()](std::error_code error, std::size_t n) {
                                    self->on_read(error, n);
                                });
    }

    void on_read(std::error_code error, std::size_t n) {
        if (error) {  // asio::error::eof: the client closed; anything else: it failed
            server_.session_closed();
            return;  // the last handler lets go of the session; its destructor closes the socket
        }
        traffic_.bytes_received.fetch_add(n, std::memory_order_relaxed);
        // async_write, not async_write_some: it continues a partial send until all n are sent.
        asio::async_write(
            socket_, asio::buffer(buffer_.data(), n),
            [self = shared_from_this()](std::error_code write_error, std::size_t written) {
                self->on_written(write_error, written);
            });
    }

    void on_written(std::error_code error, std::size_t written) {
        traffic_.bytes_sent.fetch_add(written, std::memory_order_relaxed);  // a partial one too
        if (error) {
            server_.session_closed();
            return;
        }
        read();
    }

    tcp::socket socket_;
    Server& server_;
    Traffic& traffic_;
    std::array<std::byte, buffer_size> buffer_{};  // what was read, until it is written back
};

// Accepts for ever: a failed accept is logged and the loop goes on, after a short pause so that
// a lasting failure (no descriptors, no buffer space) does not spin. Only closing the acceptor
// (operation_aborted) ends it. As in asio's examples, one accept is pending at a time (ch04
// keeps --accepts AcceptEx calls posted), so a burst of connects is taken one by one.
class Listener {
public:
    Listener(asio::io_context& io, Server& server, Traffic& traffic, iocp::Logger& log,
             std::uint16_t port)
        : acceptor_{io}, pause_{io}, server_{server}, traffic_{traffic}, log_{log} {
        const tcp::endpoint endpoint{asio::ip::address_v4::loopback(), port};
        // No reuse_address: on Windows SO_REUSEADDR would let a second server take the port.
        std::error_code error;
        acceptor_.open(endpoint.protocol(), error);
        check(error, "socket");
        acceptor_.bind(endpoint, error);
        check(error, "bind");
        acceptor_.listen(asio::socket_base::max_listen_connections, error);
        check(error, "listen");
    }

    std::uint16_t port() const {
        std::error_code error;
        const tcp::endpoint local = acceptor_.local_endpoint(error);
        check(error, "getsockname");
        return local.port();
    }

    void start() { accept(); }

private:
    void accept() {
        acceptor_.async_accept([this](std::error_code error, tcp::socket socket) {
            on_accept(error, std::move(socket));
        });
    }

    void on_accept(std::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted) {
            return;
        }
        if (error) {
            log_.warn("accept: ", describe(error));
            pause_.expires_after(std::chrono::milliseconds{10});
            pause_.async_wait([this](std::error_code wait_error) {
                if (wait_error != asio::error::operation_aborted) {
                    accept();
                }
            });
            return;
        }
        accept();  // the next accept is posted first, so clients never wait for this one's setup
        std::error_code option_error;
        // An echo is small and answered at once: do not let Nagle batch it (ch04 does the same).
        socket.set_option(tcp::no_delay{true}, option_error);
        if (option_error) {
            log_.warn("setsockopt(TCP_NODELAY): ", describe(option_error), "; connection dropped");
            return;  // `socket` closes as it goes
        }
        server_.session_accepted();
        std::make_shared<Session>(std::move(socket), server_, traffic_)->start();
    }

    tcp::acceptor acceptor_;
    asio::steady_timer pause_;
    Server& server_;
    Traffic& traffic_;
    iocp::Logger& log_;
};

// --report-on-stdin: stdin's lines come from a thread of its own (iocp/stdin_lines.h), whose
// event an object_handle waits on, so each report is a handler like any other. "stop" or the
// end of stdin stops the io_context, as Ctrl+C does.
class StdinReports {
public:
    StdinReports(asio::io_context& io, const Traffic& traffic)
        : io_{io}, traffic_{traffic}, ready_{io, duplicate(lines_.ready())} {}

    void start() { wait(); }
    DWORD error() const noexcept { return error_; }  // the read error that ended stdin, if any

private:
    // object_handle owns (and closes) the handle it is given: give it a copy of the event.
    static HANDLE duplicate(HANDLE event) {
        HANDLE copy = nullptr;
        iocp::check_bool(DuplicateHandle(GetCurrentProcess(), event, GetCurrentProcess(), &copy, 0,
                                         FALSE, DUPLICATE_SAME_ACCESS),
                         "DuplicateHandle");
        return copy;
    }

    void wait() {
        ready_.async_wait([this](std::error_code error) { on_ready(error); });
    }

    void on_ready(std::error_code error) {
        if (error == asio::error::operation_aborted) {
            return;
        }
        check(error, "RegisterWaitForSingleObject (stdin lines)");
        const iocp::StdinLines::Taken taken = lines_.take();
        for ([[maybe_unused]] const std::string& line : taken.lines) {
            const std::uint64_t sessions = traffic_.live_sessions.load(std::memory_order_relaxed);
            std::cout << iocp::report_line(
                             iocp::process_memory(),
                             {{"sessions", sessions},
                              {"held_buffer_bytes", sessions * Session::buffer_size},
                              {"bytes_received",
                               traffic_.bytes_received.load(std::memory_order_relaxed)},
                              {"bytes_sent", traffic_.bytes_sent.load(std::memory_order_relaxed)}})
                      << std::endl;  // one line each, flushed
        }
        if (taken.ended) {
            error_ = taken.error;
            io_.stop();
            return;
        }
        wait();
    }

    asio::io_context& io_;
    const Traffic& traffic_;
    iocp::StdinLines lines_;
    asio::windows::object_handle ready_;
    DWORD error_ = ERROR_SUCCESS;  // written by a handler, read after run_threads() joined
};

unsigned thread_count(unsigned requested) {
    if (requested > 0) {
        return requested;
    }
    const unsigned processors = std::thread::hardware_concurrency();
    return processors > 0 ? processors : 1;  // 0: the count is not known
}

// Runs io.run() on `threads` threads and returns when all of them have. An exception out of a
// handler stops the others and is rethrown here, so main prints it as one error line.
void run_threads(asio::io_context& io, unsigned threads) {
    std::mutex mutex;
    std::exception_ptr failure;
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
        workers.emplace_back([&] {
            try {
                io.run();
            } catch (...) {
                const std::lock_guard lock{mutex};
                if (!failure) {
                    failure = std::current_exception();
                }
                io.stop();
            }
        });
    }
    for (std::thread& worker : workers) {
        worker.join();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
}

void run_server(const Options& options, iocp::LogLevel level) {
    iocp::Logger log{std::cerr, level};
    const unsigned threads = thread_count(options.threads);
    Traffic traffic;
    // On Windows asio passes the hint straight to CreateIoCompletionPort as the port's
    // NumberOfConcurrentThreads (win_iocp_io_context.ipp; 0: one per processor, as for ch04's
    // --concurrency); a positive number changes nothing else there: only the special
    // ASIO_CONCURRENCY_HINT_* values turn off locking. Default: one per running thread.
    asio::io_context io{static_cast<int>(options.concurrency.value_or(threads))};
    Server server{io, options.exit_after};
    Listener listener{io, server, traffic, log, options.port};
    std::optional<StdinReports> reports;
    if (options.report_on_stdin) {
        reports.emplace(io, traffic).start();
    }

    asio::steady_timer deadline{io};
    if (options.duration_s > 0) {
        deadline.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(options.duration_s)));
        deadline.async_wait([&io](std::error_code error) {
            if (error != asio::error::operation_aborted) {
                io.stop();
            }
        });
    }
    asio::signal_set signals{io, SIGINT};  // Ctrl+C: stop cleanly and print the counts
    signals.async_wait([&io](std::error_code error, int) {
        if (error != asio::error::operation_aborted) {
            io.stop();
        }
    });

    listener.start();
    std::cout << "listening on 127.0.0.1:" << listener.port() << " (asio, " << threads
              << " threads)" << std::endl;
    run_threads(io, threads);
    std::cout << "sessions: " << server.accepted() << " accepted, " << server.closed() << " closed"
              << std::endl;
    if (reports && reports->error() != ERROR_SUCCESS) {
        iocp::throw_win32_error("ReadFile(stdin)", reports->error());  // stopped, not asked to
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"asio_echo_server: the benchmark's peer, an asio echo server", "asio_echo_server"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    Options options;
    app.add_option("--port", options.port, "Port on 127.0.0.1 (0: the system picks, printed)")
        ->capture_default_str();
    app.add_option("--threads", options.threads, "Threads running the io_context (0: processors)")
        ->check(CLI::Range(0, 256));
    app.add_option("--concurrency", options.concurrency,
                   "The io_context's concurrency hint, which asio passes to CreateIoCompletionPort "
                   "as the port's concurrency value (0: one per processor; default: the thread "
                   "count)")
        ->check(CLI::Range(0, 256));
    app.add_option("--exit-after", options.exit_after, "Stop once this many sessions have closed");
    app.add_option("--duration", options.duration_s, "Stop after this many seconds")
        ->check(CLI::Range(0.0, 86'400.0));
    app.add_flag("--report-on-stdin", options.report_on_stdin,
                 "For each line on stdin print one line, \"report: working_set=N "
                 "peak_working_set=N private_bytes=N commit_bytes=N sessions=N "
                 "held_buffer_bytes=N bytes_received=N bytes_sent=N\"; a \"stop\" line or the "
                 "end of stdin stops the server as Ctrl+C does. If it stops first (Ctrl+C, "
                 "--duration, --exit-after), the thread reading stdin is left waiting and ends "
                 "with the process");
    app.callback([&] { run_server(options, common.log_level); });
    return iocp::run_cli(app, argc, argv);
}
