// ch01_overlapped: overlapped I/O from the ground up.
//
// Shows what "overlapped" means before any completion port exists: a request is issued and the
// call does not wait for its I/O (done now, or ERROR_IO_PENDING = in flight); several requests
// can be in flight together while the thread does other work; their results are collected, by
// GetOverlappedResult, by waiting on an event, or by polling. The OVERLAPPED and its buffer
// belong to the kernel from issue to completion.
//
// Usage:   ch01_overlapped file [--blocks K] [--block-size BYTES]
//          ch01_overlapped socket
//          ch01_overlapped lifetime
//          ch01_overlapped demo          (the chapter's part of the tour)
// Try it:  ./tutorial.sh run ch01 -- file --blocks 16 --block-size 1048576
//          ./tutorial.sh run ch01 -- socket
#include "file_requests.h"
#include "lifetime.h"
#include "report.h"
#include "socket_requests.h"

#include "iocp/cli.h"
#include "iocp/socket.h"
#include "iocp/wine.h"

#include <iostream>

namespace {

void say_where(std::ostream& out) {
    if (iocp::running_under_wine()) {
        out << "(running under Wine " << iocp::wine_version()
            << ": it leaves more requests in flight than Windows does)\n";
    }
}

// If `socket` fails half-way, the requests still out are cancelled and collected before their
// memory goes; each is named on stderr, so a reader sees that it happened.
ch01::SocketOptions socket_options() {
    ch01::SocketOptions options;
    options.on_collected_on_exit = [](const ch01::CollectedOnExit& collected) {
        ch01::print_collected_on_exit(std::cerr, collected);
    };
    return options;
}

void run_demo(std::ostream& out) {
    say_where(out);
    ch01::print_file_report(out, ch01::run_file_requests({.blocks = 4, .block_size = 4096}));
    out << '\n';
    iocp::WinsockSession winsock;
    ch01::print_socket_report(out, ch01::run_socket_requests(socket_options()));
    out << "\nWhat this showed:\n"
           "  1. An overlapped call does not wait for its I/O: done now, or ERROR_IO_PENDING"
           " (in flight).\n"
           "  2. Many requests can be in flight together while the thread does other work.\n"
           "  3. Their results are collected later: GetOverlappedResult, an event, or polling.\n";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ch01_overlapped: overlapped I/O from the ground up", "ch01_overlapped"};
    iocp::CommonOptions common;
    iocp::add_common_options(app, common);
    app.require_subcommand(1);

    ch01::FileOptions file_options;
    CLI::App* file = app.add_subcommand(
        "file",
        "Write then read K blocks of a temporary file, every request issued before any wait");
    file->add_option("--blocks", file_options.blocks, "Number of blocks (requests per phase)")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    file->add_option("--block-size", file_options.block_size, "Bytes per block")
        ->check(CLI::Range(1, 16 * 1024 * 1024))
        ->capture_default_str();
    file->callback([&] {
        say_where(std::cout);
        ch01::print_file_report(std::cout, ch01::run_file_requests(file_options));
    });

    app.add_subcommand("socket", "Overlapped WSARecv/WSASend: three outcomes, event and polling")
        ->callback([] {
            iocp::WinsockSession winsock;
            ch01::print_socket_report(std::cout, ch01::run_socket_requests(socket_options()));
        });
    app.add_subcommand("lifetime",
                       "Who owns an OVERLAPPED and its buffer, from issue to completion")
        ->callback([] {
            iocp::WinsockSession winsock;
            ch01::print_lifetime_report(std::cout, ch01::run_lifetime());
        });
    app.add_subcommand("demo", "The chapter's part of the tour: file and socket, small")
        ->callback([] { run_demo(std::cout); });
    return iocp::run_cli(app, argc, argv);
}
