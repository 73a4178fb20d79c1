// ch01_overlapped/outcome.cpp: naming and checking the three outcomes (see outcome.h).
#include "outcome.h"

#include "iocp/error.h"

namespace ch01 {

std::string_view outcome_name(IssueOutcome outcome) noexcept {
    switch (outcome) {
        case IssueOutcome::done_now:
            return "done now";
        case IssueOutcome::in_flight:
            return "in flight";
        case IssueOutcome::failed:
            return "failed";
    }
    return "?";
}

std::string returned_text(const Issued& issued, bool winsock) {
    std::string text;
    if (issued.outcome == IssueOutcome::done_now) {
        text = winsock ? "0" : "TRUE";
    } else {
        text = winsock ? "SOCKET_ERROR + " : "FALSE + ";
        const std::string_view name = issued.outcome == IssueOutcome::in_flight && winsock
                                          ? std::string_view{"WSA_IO_PENDING"}
                                          : iocp::win32_error_name(issued.error);
        text += name.empty() ? "error " + std::to_string(issued.error) : std::string{name};
    }
    return text;
}

void throw_if_failed(const Issued& issued, std::string_view call) {
    if (issued.outcome == IssueOutcome::failed) {
        iocp::throw_win32_error(call, issued.error);
    }
}

}  // namespace ch01
