// common/src/process_memory.cpp: GetProcessMemoryInfo, and the report line (see
// iocp/process_memory.h).
#include "iocp/process_memory.h"

#include "iocp/error.h"

#include <psapi.h>

namespace iocp {

ProcessMemory process_memory(HANDLE process) {
    // The _EX form adds PrivateUsage; the call takes it through the base type's pointer.
    PROCESS_MEMORY_COUNTERS_EX counters{};
    counters.cb = sizeof(counters);
    check_bool(GetProcessMemoryInfo(process, reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&counters),
                                    sizeof(counters)),
               "GetProcessMemoryInfo");
    return ProcessMemory{counters.WorkingSetSize, counters.PeakWorkingSetSize,
                         counters.PrivateUsage, counters.PagefileUsage};
}

std::string report_line(const ProcessMemory& memory, std::initializer_list<ReportField> fields) {
    std::string line = "report: working_set=" + std::to_string(memory.working_set) +
                       " peak_working_set=" + std::to_string(memory.peak_working_set) +
                       " private_bytes=" + std::to_string(memory.private_bytes) +
                       " commit_bytes=" + std::to_string(memory.commit_bytes);
    for (const auto& [key, value] : fields) {
        line += ' ';
        line += key;
        line += '=';
        line += std::to_string(value);
    }
    return line;
}

}  // namespace iocp
