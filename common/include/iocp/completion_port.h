// common/include/iocp/completion_port.h: CompletionPort owns an I/O completion port and gives
// each of its calls a name.
//
// Chapter 2 wrote these calls raw first (create_port, associate and the worker loop in
// ch02_winsock_overlapped/iocp_server.cpp); this class only names what chapter 2 taught.
// CreateIoCompletionPort does two different jobs under one name, and the notes advise wrapping
// them apart: create() makes a port, associate() adds a device (socket or file) to its device
// list with a completion key. post() queues a packet of your own (PostQueuedCompletionStatus);
// get() takes one packet off the queue, get_many() several at once.
//
// A packet is the notes' four-field record, Completion: bytes transferred, completion key,
// OVERLAPPED pointer, error. One call to get() has three outcomes, and Dequeued names them, so
// no caller decodes GetQueuedCompletionStatus's BOOL and OVERLAPPED pointer again:
//   completed  a packet for an I/O that succeeded, or one post() queued (posted packets always
//              succeed, even with a null OVERLAPPED: a shutdown sentinel, say);
//   failed_io  a packet for an I/O that failed: completion.error holds its Win32 error, and
//              bytes, key and overlapped are the request's, as for a success;
//   no_packet  nothing was dequeued: completion.error says why, WAIT_TIMEOUT or
//              ERROR_ABANDONED_WAIT_0 (the port was closed while this thread waited: Windows
//              only, Wine never wakes such a thread), and bytes, key and overlapped are 0/null.
// Any other reason for no packet (a closed or invalid port handle) is a bug in the program, not
// an outcome: get() throws std::system_error for it. The outcome is an enum beside one plain
// record rather than a std::variant: a `switch` over it reads like chapter 2's worker loop, the
// same Completion serves get_many(), and GCC's and Clang's -Wswitch (in -Wall, an error here)
// fail the build if a case is left out. What a variant would stop and this does not is reading
// `completion.overlapped` without looking at the outcome; for no_packet it is always null, never
// a stale pointer, so that mistake crashes at once instead of corrupting someone's request.
//
// Ownership: a CompletionPort owns its HANDLE (move-only; closed when it is destroyed, and a
// closed port frees the packets still queued). It never owns an OVERLAPPED: the pointer a
// packet carries is the one the caller gave the I/O call or post(), and once dequeued that
// OVERLAPPED, with its buffers, is the caller's again. Until then it belongs to the system.
// post(), get(), get_many() and associate() may be called from many threads at once; moving or
// destroying the port while another thread uses it may not.
#pragma once

#include "iocp/handle.h"
#include "iocp/win32.h"

#include <span>
#include <utility>

namespace iocp {

// [snippet:completion_record]
// One completion packet, the notes' record: what a dequeue hands back.
struct Completion {
    DWORD bytes = 0;                   // bytes transferred, or what post() passed
    ULONG_PTR key = 0;                 // the device's completion key, or what post() passed
    OVERLAPPED* overlapped = nullptr;  // the request's OVERLAPPED, or what post() passed
    DWORD error = ERROR_SUCCESS;       // ERROR_SUCCESS, or why the I/O failed
};

enum class DequeueOutcome { completed, failed_io, no_packet };

// What one get() returned. For no_packet, completion.error holds the reason (see above).
struct Dequeued {
    DequeueOutcome outcome;
    Completion completion;

    bool timed_out() const noexcept {
        return outcome == DequeueOutcome::no_packet && completion.error == WAIT_TIMEOUT;
    }
};
// [/snippet]

// What get_many() took: the packets, or (none) why not.
struct DequeuedMany {
    std::span<OVERLAPPED_ENTRY> entries;  // in queue order; empty when no packet was taken
    DWORD error = ERROR_SUCCESS;          // when empty: WAIT_TIMEOUT or ERROR_ABANDONED_WAIT_0

    bool timed_out() const noexcept { return entries.empty() && error == WAIT_TIMEOUT; }
};

class CompletionPort {
public:
    // A new port (CreateIoCompletionPort's first role). `concurrency` is how many of its threads
    // may run before it stops handing packets to waiters (a thread that unblocks can still take
    // the count past it); 0 means one per CPU. Wine ignores it.
    [[nodiscard]] static CompletionPort create(DWORD concurrency = 0);

    CompletionPort(CompletionPort&&) noexcept = default;
    CompletionPort& operator=(CompletionPort&&) noexcept = default;
    CompletionPort(const CompletionPort&) = delete;
    CompletionPort& operator=(const CompletionPort&) = delete;

    // The port's handle, still owned by this object; nullptr once moved from.
    HANDLE native_handle() const noexcept { return port_.get(); }

    // Adds a device to the port (CreateIoCompletionPort's second role): every completion of an
    // overlapped operation on it is queued here carrying `key`. A device joins one port only,
    // once: a second association, to this port or another, fails with ERROR_INVALID_PARAMETER.
    // Throws std::system_error.
    void associate(HANDLE device, ULONG_PTR key);
    void associate(SOCKET socket, ULONG_PTR key);

    // Queues a packet that get() hands back exactly as given, as a success.
    void post(DWORD bytes, ULONG_PTR key, OVERLAPPED* overlapped = nullptr);
    // The same, for callers that must not throw (a worker handing an I/O back to the port):
    // ERROR_SUCCESS, or PostQueuedCompletionStatus's error. Then no packet was queued.
    [[nodiscard]] DWORD try_post(DWORD bytes, ULONG_PTR key,
                                 OVERLAPPED* overlapped = nullptr) noexcept;

    // Takes one packet, waiting up to `timeout_ms` (0: do not wait; INFINITE) for one.
    [[nodiscard]] Dequeued get(DWORD timeout_ms);

    // Takes up to entries.size() packets in one call (GetQueuedCompletionStatusEx, not
    // alertable), waiting up to `timeout_ms` for the first. `entries` of the result is the filled
    // front of `entries`, in queue order. When it is empty, `error` says why, as get()'s
    // no_packet does: WAIT_TIMEOUT, or ERROR_ABANDONED_WAIT_0 when the port was closed while
    // waiting (after a wait that timed out the call reports one entry removed, on Windows and
    // Wine alike: that count is not believed). Any other failure throws std::system_error. Read
    // each entry with to_completion().
    [[nodiscard]] DequeuedMany get_many(std::span<OVERLAPPED_ENTRY> entries, DWORD timeout_ms);

private:
    explicit CompletionPort(UniqueHandle port) noexcept : port_(std::move(port)) {}

    UniqueHandle port_;
};

// The record in one entry from get_many(), read as get() reads a packet: its error is
// ERROR_SUCCESS for a success (outcome completed) and the I/O's Win32 error for a failure
// (outcome failed_io). GetQueuedCompletionStatusEx has no error per entry, so this reads the
// packet's NTSTATUS from `Internal`, which the OVERLAPPED_ENTRY page documents only as
// "Reserved": Microsoft does not promise it (the test GetManyReportsACancelledReceive...
// checks it). A failure becomes a Win32 code through ntdll's RtlNtStatusToDosError, the
// conversion behind GetLastError() after GetQueuedCompletionStatus. Documented alternatives:
// WSAGetOverlappedResult / GetOverlappedResult on entry.lpOverlapped (a call per entry, its
// handle still open), or the request's own OVERLAPPED.Internal, which the OVERLAPPED page
// calls the request's status (libuv reads that). But that one is the request's, not the
// packet's: a packet post() queued with an OVERLAPPED may not read as the success it is.
Completion to_completion(const OVERLAPPED_ENTRY& entry);

}  // namespace iocp
