// ch02_winsock_overlapped: Winsock overlapped I/O, three ways to hear of completion, and the
// first completion port.
//
// An echo server and a client in one program. The server hears that its overlapped WSARecv and
// WSASend calls finished in one of three ways: events and WSAWaitForMultipleEvents (at most 64),
// completion routines run by alertable waits (one thread), or a completion port with a pool of
// worker threads (the notes' five steps). The client checks every echoed byte.
//
// Usage:   ch02_winsock_overlapped server [--notify event|routine|iocp] [--port N]
//                                         [--threads N] [--exit-after N]
//          ch02_winsock_overlapped client --port N [--connections C] [--messages M] [--size S]
//          ch02_winsock_overlapped alertable
//          ch02_winsock_overlapped demo       (the chapter's part of the tour)
// Try it:  ./tutorial.sh run ch02 -- server --notify routine      (prints its port)
//          ./tutorial.sh run ch02 -- client --port PORT --connections 8 --size 100000
#include "acceptor.h"
#include "alertable.h"
#include "echo_client.h"
#include "report.h"

#include "iocp/cli.h"
#include "iocp/socket.h"

#include <chrono>
#include <iomanip>
#include <iostream>
#include <map>
#include <string>

namespace {

struct ServerCommand {
    ch02::ServerOptions options;
    std::uint16_t port = 0;
    std::uint64_t exit_after = 0;  // 0: run until Enter (or end of input)
};

void run_server(const ServerCommand& command) {
    iocp::WinsockSession winsock;
    ch02::RunningServer running{command.options, command.port};
    std::cout << "listening on 127.0.0.1:" << running.port() << " (notify "
              << ch02::notify_name(command.options.notify) << ", "
              << running.server().stats().threads << " completion thread"
              << (running.server().stats().threads == 1 ? "" : "s") << "); "
              << (command.exit_after == 0
                      ? std::string{"press Enter to stop"}
                      : "stops after " + std::to_string(command.exit_after) + " sessions")
              << std::endl;
    if (command.exit_after == 0) {
        std::string line;
        std::getline(std::cin, line);
    } else {
        while (!running.server().wait_closed(command.exit_after, std::chrono::hours{1})) {
        }
    }
    ch02::print_server_stats(std::cout, command.options.notify, running.stop());
}

void run_demo(std::ostream& out) {
    iocp::WinsockSession winsock;
    const char* told[] = {"its own event; one thread waits on all (max 64)",
                          "a routine (APC) on the issuing thread, when alertable",
                          "a completion port; any of its worker threads"};
    out << "Each model serves 4 clients x 25 messages x 20000 bytes (8 KiB receives):\n\n"
        << std::left << std::setw(9) << "model" << std::setw(56)
        << "a finished operation is told to"
        << "completions per thread\n";
    int row = 0;
    for (const ch02::Notify notify :
         {ch02::Notify::event, ch02::Notify::routine, ch02::Notify::iocp}) {
        ch02::RunningServer running{{notify, 2}, 0};
        const ch02::ClientReport client = ch02::run_client({running.port(), 4, 25, 20'000});
        const ch02::ServerStats stats = running.stop();
        out << std::setw(9) << ch02::notify_name(notify) << std::setw(56) << told[row++]
            << ch02::per_thread_text(stats) << '\n';
        if (!client.errors.empty() || client.bytes_wrong != 0) {
            ch02::print_client_report(out, client);
            throw std::runtime_error("the " + std::string{ch02::notify_name(notify)} +
                                     " server did not echo every byte");
        }
    }
    out << std::right << "every byte echoed and verified in all three\n\n";
    ch02::print_alertable_report(out, ch02::show_alertable_wait());
    out << "\nWhat this showed:\n"
           "  1. Events tell one waiting thread, 63 clients at most.\n"
           "  2. Routines run only on the thread that issued the I/O, only when it waits "
           "alertably.\n"
           "  3. A completion port spreads completions over a pool of worker threads.\n";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ch02_winsock_overlapped: Winsock overlapped I/O and the first completion port",
                 "ch02_winsock_overlapped"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);

    ServerCommand server_command;
    const std::map<std::string, ch02::Notify> notify_names = {{"event", ch02::Notify::event},
                                                              {"routine", ch02::Notify::routine},
                                                              {"iocp", ch02::Notify::iocp}};
    CLI::App* server = app.add_subcommand("server", "Run an echo server on 127.0.0.1");
    server->add_option("--notify", server_command.options.notify, "How completions are heard")
        ->transform(CLI::CheckedTransformer(notify_names, CLI::ignore_case))
        ->capture_default_str();
    server->add_option("--port", server_command.port, "Port to listen on (0: the system picks)")
        ->check(CLI::Range(0, 65535));
    server
        ->add_option("--threads", server_command.options.threads,
                     "iocp: worker threads (0: one per CPU)")
        ->check(CLI::Range(0, 64));
    server->add_option("--exit-after", server_command.exit_after,
                       "Stop after this many sessions have ended (0: at Enter)");
    server->callback([&] { run_server(server_command); });

    ch02::ClientOptions client_options;
    CLI::App* client = app.add_subcommand("client", "Send messages and verify their echo");
    client->add_option("--port", client_options.port, "The server's port")
        ->required()
        ->check(CLI::Range(1, 65535));
    client->add_option("--connections", client_options.connections, "Connections at once")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    client->add_option("--messages", client_options.messages, "Messages per connection")
        ->check(CLI::Range(1, 1'000'000))
        ->capture_default_str();
    client->add_option("--size", client_options.size, "Bytes per message")
        ->check(CLI::Range(1, 64 * 1024 * 1024))
        ->capture_default_str();
    client->callback([&] {
        iocp::WinsockSession winsock;
        const ch02::ClientReport report = ch02::run_client(client_options);
        ch02::print_client_report(std::cout, report);
        if (!report.errors.empty() || report.bytes_wrong != 0) {
            throw std::runtime_error("not every byte came back as sent");
        }
    });

    app.add_subcommand("alertable", "When and where a completion routine runs")->callback([] {
        iocp::WinsockSession winsock;
        ch02::print_alertable_report(std::cout, ch02::show_alertable_wait());
    });
    app.add_subcommand("demo", "The chapter's part of the tour: all three models, small")
        ->callback([] { run_demo(std::cout); });
    return iocp::run_cli(app, argc, argv);
}
