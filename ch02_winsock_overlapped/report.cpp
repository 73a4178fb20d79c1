// ch02_winsock_overlapped/report.cpp: printing servers', clients' and the alertable demo's results.
#include "report.h"

#include "iocp/error.h"

#include <ostream>

namespace ch02 {

std::string per_thread_text(const ServerStats& stats) {
    std::string text;
    for (std::size_t i = 0; i < stats.completions_per_thread.size(); ++i) {
        text += (i == 0 ? "T" : ", T") + std::to_string(i + 1) + ' ' +
                std::to_string(stats.completions_per_thread[i]);
    }
    return text.empty() ? "none" : text;
}

void print_server_stats(std::ostream& out, Notify notify, const ServerStats& stats) {
    out << "server (" << notify_name(notify) << "): " << stats.accepted << " sessions, "
        << stats.closed << " closed, " << stats.refused << " refused, " << stats.failed_at_once
        << " calls failed at once\n"
        << "    " << stats.completions << " completions, " << stats.bytes_echoed
        << " bytes echoed; completions per thread: " << per_thread_text(stats) << '\n';
}

void print_client_report(std::ostream& out, const ClientReport& report) {
    const ClientOptions& options = report.options;
    const double megabytes = 2.0 * static_cast<double>(report.bytes_verified) / 1e6;
    out << "client: " << options.connections << " connections x " << options.messages
        << " messages x " << options.size << " bytes: " << report.connections_ok << " of "
        << options.connections << " connections verified every byte (" << report.bytes_verified
        << " bytes";
    if (report.bytes_wrong != 0) {
        out << ", " << report.bytes_wrong << " WRONG";
    }
    out << ")\n    " << report.seconds << " s, "
        << (report.seconds > 0 ? megabytes / report.seconds : 0.0) << " MB/s sent and received\n";
    for (const std::string& error : report.errors) {
        out << "    " << error << '\n';
    }
}

void print_alertable_report(std::ostream& out, const AlertableReport& report) {
    out << "alertable: a WSARecv with a completion routine, and 4 bytes sent to it\n"
        << "    receive finished before any alertable wait: "
        << (report.io_finished_first ? "yes" : "no") << '\n'
        << "    routines run while the thread was busy or in SleepEx(1, FALSE): "
        << report.routines_before << '\n'
        << "    SleepEx(0, TRUE) returned "
        << (report.alertable_wait == WAIT_IO_COMPLETION ? std::string{"WAIT_IO_COMPLETION"}
                                                        : std::to_string(report.alertable_wait))
        << "; routines run by then: " << report.routines_after << '\n'
        << "    the routine ran on the thread that issued the receive: "
        << (report.ran_on_issuing_thread ? "yes" : "no") << "; it saw \"" << report.received
        << "\"\n";
}

}  // namespace ch02
