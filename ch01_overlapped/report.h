// ch01_overlapped/report.h: the tables and lines the subcommands print.
#pragma once
#include "file_requests.h"
#include "lifetime.h"
#include "socket_requests.h"

#include <iosfwd>

namespace ch01 {

void print_file_report(std::ostream& out, const FileReport& report);
void print_socket_report(std::ostream& out, const SocketReport& report);
// One line for a request an early exit had to cancel and collect (written to stderr by main).
void print_collected_on_exit(std::ostream& out, const CollectedOnExit& collected);
void print_lifetime_report(std::ostream& out, const LifetimeReport& report);

}  // namespace ch01
