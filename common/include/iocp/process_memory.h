// common/include/iocp/process_memory.h: what a process costs in memory, from
// GetProcessMemoryInfo (psapi), and the one line that both benchmark servers print for
// --report-on-stdin (chapter 4's server and bench/asio_echo_server).
//
//     report: working_set=N peak_working_set=N private_bytes=N commit_bytes=N key=N ...
//
// The four memory figures first, then each server's own, all decimal bytes or counts.
#pragma once

#include "iocp/win32.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace iocp {

struct ProcessMemory {
    std::uint64_t working_set = 0;       // WorkingSetSize: bytes resident in RAM now
    std::uint64_t peak_working_set = 0;  // PeakWorkingSetSize: the most ever resident
    std::uint64_t private_bytes = 0;     // PrivateUsage: private memory committed (Wine 8: 0)
    std::uint64_t commit_bytes = 0;      // PagefileUsage: the process's commit charge
};
// Microsoft documents PrivateUsage as "same as PagefileUsage", the commit charge. Wine 8 fills
// PagefileUsage but leaves PrivateUsage 0, so under Wine read commit_bytes.

// The figures of `process` (a handle with PROCESS_QUERY_LIMITED_INFORMATION and
// PROCESS_VM_READ access; by default this process). Throws std::system_error.
ProcessMemory process_memory(HANDLE process = GetCurrentProcess());

// One " key=value" of a report, after the memory figures.
using ReportField = std::pair<std::string_view, std::uint64_t>;

// "report: working_set=N peak_working_set=N private_bytes=N commit_bytes=N" followed by
// " key=value" for each of `fields`, in order; no line end.
std::string report_line(const ProcessMemory& memory, std::initializer_list<ReportField> fields);

}  // namespace iocp
