// ch04_echo_server: a multi-threaded IOCP echo server and its load-generating client.
//
// The notes' 4장 server, made whole: AcceptEx calls posted in advance, a PerSocketContext as the
// completion key with a PerIoContext per direction, the first receive posted at accept, workers
// that echo (reassembling frames in packet mode, continuing partial sends), a bounded send queue
// per session, and a shutdown that waits for every I/O before the sentinels.
//
// Usage:   ch04_echo_server server [--port 9000] [--threads N] [--protocol stream|packet] ...
//          ch04_echo_server client --port N [--connections 64] [--messages 100] [--size 64] ...
//          ch04_echo_server demo        (the chapter's part of the tour)
//          ch04_echo_server server --port 0 --report-on-stdin   (a parent process drives it:
//          each line on stdin gets one "report: key=N ..." line on stdout, with the process's
//          memory, the bytes the server holds and the Win32 calls it made; "stop" or EOF stops)
// Try it:  ./tutorial.sh run ch04 -- server --port 9000 --stats
//          nc 127.0.0.1 9000            (stream mode: type a line, it comes back)
//          ./tutorial.sh run ch04 -- client --port 9000 --connections 128 --pipeline 16
#include "echo_client.h"
#include "server.h"

#include "iocp/cli.h"
#include "iocp/error.h"
#include "iocp/handle.h"
#include "iocp/process_memory.h"
#include "iocp/socket.h"
#include "iocp/stdin_lines.h"

#include <chrono>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The one piece of process-wide state: Windows gives a console control handler no context, so
// the event that Ctrl+C sets has to be reachable without one.
HANDLE stop_event() {
    static const iocp::UniqueHandle event{
        iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")};
    return event.get();
}

BOOL WINAPI on_console_event(DWORD type) {
    if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT || type == CTRL_CLOSE_EVENT) {
        return SetEvent(stop_event());  // stop cleanly instead of being killed
    }
    return FALSE;
}

struct ServerCommand {
    ch04::ServerOptions options;
    double duration_s = 0;         // 0: until Ctrl+C
    std::uint64_t exit_after = 0;  // stop once this many sessions have closed (0: never)
    bool stats = false;
    bool report_on_stdin = false;  // a report line per stdin line; "stop" or EOF stops
};

void print_counters(std::ostream& out, const ch04::ServerCounters& c) {
    out << "server: " << c.accepted << " sessions accepted, " << c.closed << " closed, "
        << c.sessions_alive << " alive, " << c.io_in_flight << " I/O in flight\n"
        << "        " << c.bytes_received << " bytes received, " << c.bytes_sent
        << " bytes echoed, " << c.frames << " frames, " << c.bad_frames << " bad frames, "
        << c.failed_accepts << " failed accepts, " << c.read_pauses << " read pauses\n"
        << "        most queued by a session: " << c.most_queued << " bytes of echo, "
        << c.most_queued_memory << " bytes of memory\n"
        << "        " << c.refused << " refused (--max-sessions), " << c.idle_closed
        << " closed idle (--idle-timeout), " << c.stall_closed << " closed stalled (--send-stall)\n"
        << "        " << c.failed_handlers << " failed handlers (their sessions closed), "
        << c.accept_retries << " accept retries, " << c.accepts_posted << " accepts posted\n";
}

// What the performance options did (server.h): each figure stays 0 while its option is off.
void print_option_counters(std::ostream& out, const ch04::ServerCounters& c) {
    out << "        largest batch " << c.largest_batch << ", " << c.gathered_sends
        << " gathered sends, " << c.buffers_reused << " buffers reused, " << c.skip_sessions
        << " skip-on-success sessions, " << c.inline_completions << " inline completions\n";
}

// --report-on-stdin: one line, for a parent that reads it from a pipe (iocp/process_memory.h).
std::string report(const ch04::ServerCounters& c) {
    return iocp::report_line(iocp::process_memory(), {{"sessions", c.sessions_alive},
                                                      {"held_buffer_bytes", c.held_buffer_bytes},
                                                      {"context_bytes", c.context_bytes},
                                                      {"bytes_received", c.bytes_received},
                                                      {"bytes_sent", c.bytes_sent},
                                                      {"wsarecv", c.wsarecv_calls},
                                                      {"wsasend", c.wsasend_calls},
                                                      {"dequeues", c.dequeue_calls},
                                                      {"posts", c.post_calls},
                                                      {"acceptex", c.acceptex_calls}});
}

void run_server(const ServerCommand& command, iocp::LogLevel level) {
    iocp::WinsockSession winsock;
    iocp::Logger log{std::cerr, level};
    iocp::check_bool(SetConsoleCtrlHandler(&on_console_event, TRUE), "SetConsoleCtrlHandler");
    ch04::EchoServer server{command.options, log};
    std::cout << "listening on " << command.options.bind << ':' << server.port() << " ("
              << server.threads() << " worker threads, "
              << (command.options.protocol == ch04::Protocol::packet ? "packet" : "stream")
              << " protocol); Ctrl+C stops" << std::endl;
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(command.duration_s));
    // --report-on-stdin: stdin's lines arrive on a thread of their own, and wake this loop.
    std::optional<iocp::StdinLines> lines;
    std::vector<HANDLE> wake_on{stop_event()};
    if (command.report_on_stdin) {
        wake_on.push_back(lines.emplace().ready());
    }
    bool stdin_ended = false;
    DWORD stdin_error = ERROR_SUCCESS;
    ch04::ServerCounters last = server.counters();
    for (;;) {
        // Wakes once a second for --stats, --duration and --exit-after; Ctrl+C wakes it at once,
        // and so does a line on stdin (or its end) with --report-on-stdin.
        const DWORD woke =
            WaitForMultipleObjects(static_cast<DWORD>(wake_on.size()), wake_on.data(), FALSE, 1000);
        if (woke == WAIT_FAILED) {
            iocp::throw_last_error("WaitForMultipleObjects");
        }
        if (woke == WAIT_OBJECT_0 + 1) {
            const iocp::StdinLines::Taken taken = lines->take();
            for ([[maybe_unused]] const std::string& line : taken.lines) {
                std::cout << report(server.counters()) << std::endl;  // one line each, flushed
            }
            stdin_ended = taken.ended;
            stdin_error = taken.error;
        }
        const ch04::ServerCounters now = server.counters();
        if (command.stats) {
            const bool packets = command.options.protocol == ch04::Protocol::packet;
            const auto messages = packets ? now.frames - last.frames : now.receives - last.receives;
            std::cout << std::fixed << std::setprecision(1) << "connections " << now.sessions_alive
                      << ", " << messages << (packets ? " frames/s, " : " receives/s, ")
                      << static_cast<double>(now.bytes_sent - last.bytes_sent) / 1e6
                      << " MB/s echoed" << std::endl;
        }
        last = now;
        const bool timed_out = command.duration_s > 0 && std::chrono::steady_clock::now() >= end;
        const bool enough = command.exit_after > 0 && now.closed >= command.exit_after;
        if (woke == WAIT_OBJECT_0 || timed_out || enough || stdin_ended) {
            break;
        }
    }
    const ch04::ServerCounters counters = server.stop();
    print_counters(std::cout, counters);
    print_option_counters(std::cout, counters);
    // Also on stderr, for whoever reads stdout only for the port (a client on a pipe).
    log.info("stopped: ", counters.sessions_alive, " sessions alive, ", counters.io_in_flight,
             " I/O in flight");
    if (stdin_error != ERROR_SUCCESS) {
        iocp::throw_win32_error("ReadFile(stdin)", stdin_error);  // stopped, but not by request
    }
}

// The port from the server's first line, "listening on 127.0.0.1:PORT (...)" (a pipe from
// a server started with --port 0, as the CTest that runs the two processes does).
std::uint16_t port_from_listening_line(std::istream& in) {
    std::string line;
    for (int lines = 0; lines < 100 && std::getline(in, line); ++lines) {
        const auto at = line.find("listening on ");
        const auto colon = line.find(':', at);
        if (at != std::string::npos && colon != std::string::npos) {
            const int port = std::stoi(line.substr(colon + 1));
            if (port > 0 && port < 65536) {
                return static_cast<std::uint16_t>(port);
            }
        }
    }
    throw std::runtime_error("--port-from-stdin: no \"listening on HOST:PORT\" line came");
}

void run_demo(std::ostream& out) {
    iocp::WinsockSession winsock;
    std::ostringstream quiet;
    iocp::Logger log{quiet, iocp::LogLevel::warn};
    ch04::ServerOptions options;
    options.port = 0;
    ch04::EchoServer server{options, log};
    out << "server: 127.0.0.1:" << server.port() << ", " << server.threads()
        << " worker threads, AcceptEx, stream protocol\n";
    ch04::ClientOptions client;
    client.port = server.port();
    client.connections = 64;
    client.messages = 200;
    client.size = 64;
    client.pipeline = 4;
    const ch04::ClientReport report = ch04::run_client(client);
    ch04::print_client_report(out, report);
    print_counters(out, server.stop());
    if (!report.ok()) {
        throw std::runtime_error("the demo's client did not get every byte back");
    }
}

// A limit given in seconds (a fraction allowed, up to a day), kept in milliseconds.
void add_seconds_option(CLI::App& command, const std::string& name,
                        std::chrono::milliseconds& limit, const std::string& description) {
    command
        .add_option_function<double>(
            name,
            [&limit](double seconds) {
                limit = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::duration<double>(seconds));
            },
            description)
        ->check(CLI::Range(0.0, 86'400.0));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ch04_echo_server: a multi-threaded IOCP echo server and client",
                 "ch04_echo_server"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);
    const std::map<std::string, ch04::Protocol> protocols = {{"stream", ch04::Protocol::stream},
                                                             {"packet", ch04::Protocol::packet}};

    ServerCommand server_command;
    ch04::ServerOptions& options = server_command.options;
    CLI::App* server = app.add_subcommand("server", "Run the echo server");
    server->add_option("--bind", options.bind, "IPv4 address to listen on")->capture_default_str();
    server->add_option("--port", options.port, "Port (0: the system picks, and it is printed)")
        ->capture_default_str();
    server->add_option("--threads", options.threads, "Worker threads (0: one per processor)")
        ->check(CLI::Range(0, 256));
    server
        ->add_option("--concurrency", options.concurrency,
                     "The port's concurrency value (0: one per processor)")
        ->check(CLI::Range(0, 256));
    server->add_option("--accepts", options.accepts, "AcceptEx calls kept posted")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    server->add_option("--accept", options.accept, "How to accept")
        ->transform(CLI::CheckedTransformer(std::map<std::string, ch04::AcceptMode>{
            {"acceptex", ch04::AcceptMode::acceptex}, {"blocking", ch04::AcceptMode::blocking}}))
        ->capture_default_str();
    server->add_flag("--zero-byte-recv", options.zero_byte_recv,
                     "Wait for data with zero-byte receives (no buffer held while idle)");
    server->add_option("--protocol", options.protocol, "stream (echo bytes) or packet (frames)")
        ->transform(CLI::CheckedTransformer(protocols))
        ->capture_default_str();
    server->add_option("--max-packet", options.max_packet, "Packet mode: the largest frame")
        ->check(CLI::Range(4, 65535))
        ->capture_default_str();
    server
        ->add_option("--max-pending-bytes", options.max_pending_bytes,
                     "Per session: echo queue memory before reading pauses")
        ->check(CLI::Range(1, 1 << 30))
        ->capture_default_str();
    server
        ->add_option("--max-sessions", options.max_sessions,
                     "Close a new connection at once while this many are alive (0: no limit)")
        ->capture_default_str();
    add_seconds_option(*server, "--idle-timeout", options.idle_timeout,
                       "Close a session that sends nothing for this many seconds (0: never)");
    add_seconds_option(*server, "--send-stall", options.send_stall,
                       "Close a session whose echo could not be sent for this many seconds: its "
                       "client stopped reading (0: never)");
    // The performance options of issue #7 (server.h says what each does and costs).
    server
        ->add_option("--batch", options.batch,
                     "Completions a worker takes per dequeue (1: GetQueuedCompletionStatus; "
                     "more: GetQueuedCompletionStatusEx)")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    server->add_flag("--gather-sends,!--no-gather-sends", options.gather_sends,
                     "One WSASend carries up to 64 queued echo chunks, not just the first");
    server->add_flag("--reuse-buffers,!--no-reuse-buffers", options.reuse_buffers,
                     "Move and recycle per-session buffers instead of allocating per receive");
    server->add_flag("--skip-on-success,!--no-skip-on-success", options.skip_on_success,
                     "FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: I/O done at once is handled "
                     "without a packet (IFS providers only)");
    server->add_flag("--rounds,!--no-rounds", options.rounds,
                     "With --skip-on-success: a receive done at once waits on a list for a round "
                     "(any worker's) instead of going to the port as a posted packet");
    server->add_option("--duration", server_command.duration_s, "Stop after this many seconds")
        ->check(CLI::Range(0.0, 86'400.0));
    server->add_option("--exit-after", server_command.exit_after,
                       "Stop once this many sessions have closed");
    server->add_flag("--stats", server_command.stats, "Print a line of counters every second");
    server->add_flag("--report-on-stdin", server_command.report_on_stdin,
                     "For each line on stdin print one line, \"report: working_set=N "
                     "peak_working_set=N private_bytes=N commit_bytes=N sessions=N "
                     "held_buffer_bytes=N context_bytes=N bytes_received=N bytes_sent=N "
                     "wsarecv=N wsasend=N dequeues=N posts=N acceptex=N\"; a \"stop\" line or "
                     "the end of stdin stops the server as Ctrl+C does. If it stops first "
                     "(Ctrl+C, --duration, --exit-after), the thread reading stdin is left "
                     "waiting and ends with the process");
    server->callback([&] { run_server(server_command, common.log_level); });

    ch04::ClientOptions client_options;
    double client_duration_s = 0;
    bool port_from_stdin = false;
    CLI::App* client = app.add_subcommand("client", "Drive a server and verify every byte");
    client->add_option("--host", client_options.host, "The server's IPv4 address")
        ->capture_default_str();
    CLI::Option* port = client->add_option("--port", client_options.port, "The server's port")
                            ->check(CLI::Range(1, 65535));
    client
        ->add_flag("--port-from-stdin", port_from_stdin,
                   "Read the port from the server's \"listening on\" line on stdin")
        ->excludes(port);
    client->parse_complete_callback([&] {
        if (port_from_stdin) {
            client_options.port = port_from_listening_line(std::cin);
        } else if (client_options.port == 0) {
            throw CLI::RequiredError("--port");
        }
    });
    client->add_option("--connections", client_options.connections, "Connections at once")
        ->check(CLI::Range(1, 10'000))
        ->capture_default_str();
    client
        ->add_option("--messages", client_options.messages,
                     "Messages per connection (0 with --duration)")
        ->capture_default_str();
    client->add_option("--duration", client_duration_s, "Run for this many seconds instead")
        ->check(CLI::Range(0.0, 3'600.0));
    client->add_option("--size", client_options.size, "Bytes per message (packet: payload)")
        ->check(CLI::Range(1, 16 * 1024 * 1024))
        ->capture_default_str();
    client->add_option("--pipeline", client_options.pipeline, "Messages in flight per connection")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    client->add_option("--protocol", client_options.protocol, "stream or packet")
        ->transform(CLI::CheckedTransformer(protocols))
        ->capture_default_str();
    client->add_option("--threads", client_options.threads, "IOCP threads (0: automatic)")
        ->check(CLI::Range(0, 64));
    client->callback([&] {
        iocp::WinsockSession winsock;
        if (client_duration_s > 0) {
            client_options.duration =
                std::chrono::milliseconds{static_cast<std::int64_t>(client_duration_s * 1000)};
            client_options.messages = 0;
        }
        const bool long_run = client_duration_s >= 2;
        const ch04::ClientReport report =
            ch04::run_client(client_options, long_run ? &std::cout : nullptr);
        ch04::print_client_report(std::cout, report);
        if (!report.ok()) {
            throw std::runtime_error("not every message came back intact");
        }
    });

    app.add_subcommand("demo", "The chapter's part of the tour: the server, and 64 clients")
        ->callback([] { run_demo(std::cout); });
    return iocp::run_cli(app, argc, argv);
}
