// ch02_winsock_overlapped/report.h: what the subcommands print.
#pragma once
#include "alertable.h"
#include "echo_client.h"
#include "echo_server.h"

#include <iosfwd>
#include <string>

namespace ch02 {

// "T1 120, T2 98": completions per thread, threads numbered in the order they first took one.
std::string per_thread_text(const ServerStats& stats);

void print_server_stats(std::ostream& out, Notify notify, const ServerStats& stats);
void print_client_report(std::ostream& out, const ClientReport& report);
void print_alertable_report(std::ostream& out, const AlertableReport& report);

}  // namespace ch02
