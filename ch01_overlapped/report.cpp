// ch01_overlapped/report.cpp: printing the reports as tables a reader can follow.
#include "report.h"

#include "iocp/error.h"

#include <cstdint>
#include <iomanip>
#include <ostream>
#include <string>

namespace ch01 {
namespace {

std::string ordinal(int n) {
    const int tens = n % 100;
    const int ones = n % 10;
    const char* suffix = (tens >= 11 && tens <= 13) ? "th"
                         : ones == 1                ? "st"
                         : ones == 2                ? "nd"
                         : ones == 3                ? "rd"
                                                    : "th";
    return std::to_string(n) + suffix;
}

std::string count(std::uint64_t n, const char* noun) {
    return std::to_string(n) + ' ' + noun + (n == 1 ? "" : "s");
}

std::string error_text(DWORD error) {
    const std::string_view name = iocp::win32_error_name(error);
    return "error " + std::to_string(error) + (name.empty() ? "" : " (" + std::string{name} + ")");
}

void print_phase(std::ostream& out, const char* call, const PhaseReport& phase) {
    int in_flight = 0;
    for (const RequestReport& request : phase.requests) {
        in_flight += request.issued.outcome == IssueOutcome::in_flight ? 1 : 0;
    }
    out << call << ": " << phase.requests.size() << " requests issued before any was waited on, "
        << in_flight << " left in flight\n";
    out << "    #  offset      " << std::left << std::setw(28) << "the call returned"
        << std::setw(11) << "meaning" << std::right << std::setw(9) << "bytes"
        << "  completed\n";
    for (std::size_t i = 0; i < phase.requests.size(); ++i) {
        const RequestReport& request = phase.requests[i];
        out << std::setw(5) << i + 1 << "  " << std::left << std::setw(10) << request.offset << "  "
            << std::setw(28) << returned_text(request.issued, false) << std::setw(11)
            << outcome_name(request.issued.outcome) << std::right << std::setw(9) << request.bytes
            << "  " << ordinal(request.completion) << '\n';
    }
    out << "    the thread did " << count(phase.work_units, "unit")
        << " of other work while requests were in flight\n";
}

}  // namespace

void print_file_report(std::ostream& out, const FileReport& report) {
    out << "file: " << report.options.blocks << " blocks of " << report.options.block_size
        << " bytes, a temporary file opened with FILE_FLAG_OVERLAPPED\n";
    print_phase(out, "WriteFile", report.writes);
    print_phase(out, "ReadFile", report.reads);
    out << "verified: " << report.bytes_verified << " of "
        << report.options.blocks * report.options.block_size << " bytes read back as written";
    if (report.bytes_mismatched != 0) {
        out << ", " << report.bytes_mismatched << " WRONG";
    }
    out << '\n';
}

void print_socket_report(std::ostream& out, const SocketReport& report) {
    out << "socket: overlapped WSARecv/WSASend on a loopback TCP pair\n";
    out << "    " << std::left << std::setw(26) << "call" << std::setw(31) << "returned"
        << std::setw(11) << "meaning" << std::right << std::setw(5) << "bytes"
        << "  collected by\n";
    for (const SocketCall& call : report.calls) {
        const bool failed = call.issued.outcome == IssueOutcome::failed;
        out << "    " << std::left << std::setw(26) << call.what << std::setw(31)
            << returned_text(call.issued, true) << std::setw(11)
            << outcome_name(call.issued.outcome) << std::right << std::setw(5)
            << (failed ? "-" : std::to_string(call.bytes)) << "  "
            << (failed ? "nothing to collect" : call.collected) << '\n';
    }
    out << "received \"" << report.received_first << "\" (sent after the receive was posted)\n";
    out << "received \"" << report.received_second << "\" after "
        << count(static_cast<std::uint64_t>(report.incomplete_polls), "poll")
        << " answered WSA_IO_INCOMPLETE\n";
}

void print_collected_on_exit(std::ostream& out, const CollectedOnExit& collected) {
    out << "collected before it was freed: " << collected.what << ", "
        << count(collected.bytes, "byte") << ", "
        << (collected.error == ERROR_SUCCESS ? "no error" : error_text(collected.error)) << '\n';
}

void print_lifetime_report(std::ostream& out, const LifetimeReport& report) {
    out << "lifetime: a request is the kernel's from its issue until its completion\n";
    for (const LifetimeStep& step : report.steps) {
        out << "    " << step.request << "  ";
        switch (step.step) {
            case Step::issued:
                out << "issued: WSARecv accepted it; the kernel owns its OVERLAPPED and buffer";
                break;
            case Step::peer_sent:
                out << "the peer sent " << step.bytes << " bytes";
                break;
            case Step::cancel_requested:
                out << "CancelIoEx asked to stop it; it is still the kernel's";
                break;
            case Step::completed:
                out << "completed: " << step.bytes << " bytes";
                if (!step.data.empty()) {
                    out << " \"" << step.data << '"';
                }
                out << ", " << (step.error == ERROR_SUCCESS ? "no error" : error_text(step.error))
                    << "; the program owns it again";
                break;
            case Step::freed:
                out << "freed";
                break;
        }
        out << '\n';
    }
}

}  // namespace ch01
