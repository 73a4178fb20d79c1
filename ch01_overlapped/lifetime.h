// ch01_overlapped/lifetime.h: the ownership rule, in code.
//
// An OVERLAPPED and its buffer are handed to the kernel when the call is issued and taken back
// only when its completion is collected, even when the request is cancelled or its socket is
// closed: each of those ends it with a completion, whose code the program must not rely on to
// free it (after a close, GetQueuedCompletionStatus reports 1236 or 64 on Windows, not
// ERROR_OPERATION_ABORTED). run_lifetime() walks two receives through that life and records
// each step.
#pragma once
#include "iocp/win32.h"

#include <string>
#include <vector>

namespace ch01 {

enum class Step {
    issued,            // WSARecv accepted the request: the kernel owns it
    peer_sent,         // the other end sent data
    cancel_requested,  // CancelIoEx asked the kernel to stop: the kernel still owns it
    completed,         // the completion was collected: the program owns it again
    freed,             // the program freed it
};

struct LifetimeStep {
    char request = '?';  // 'A' or 'B'
    Step step = Step::issued;
    DWORD bytes = 0;              // for completed
    DWORD error = ERROR_SUCCESS;  // for completed: ERROR_OPERATION_ABORTED after CancelIoEx
    std::string data;             // for completed: what was received
};

struct LifetimeReport {
    std::vector<LifetimeStep> steps;
};

// A receive that completes with data, then one that is cancelled. Throws std::system_error.
LifetimeReport run_lifetime();

}  // namespace ch01
