// common/src/completion_port.cpp: the completion port's calls, named (see iocp/completion_port.h).
#include "iocp/completion_port.h"

#include "iocp/error.h"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace iocp {
namespace {

using NtStatusToDosError = ULONG(WINAPI*)(LONG status);

// RtlNtStatusToDosError is the table GetQueuedCompletionStatus itself uses to turn a packet's
// NTSTATUS into GetLastError()'s code. It has no import library (Microsoft's docs say to use
// GetProcAddress), so it is found at run time, as common/src/wine.cpp finds wine_get_version.
DWORD win32_error_from_ntstatus(LONG status) {
    // Every Windows process has ntdll.dll loaded; GetModuleHandleW does not add a reference.
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    if (ntdll == nullptr) {
        throw_last_error("GetModuleHandleW(ntdll.dll)");
    }
    FARPROC proc = GetProcAddress(ntdll, "RtlNtStatusToDosError");
    if (proc == nullptr) {
        throw_last_error("GetProcAddress(RtlNtStatusToDosError)");
    }
    // Going through void(*)() tells GCC the function-pointer cast is deliberate.
    const auto to_dos_error =
        reinterpret_cast<NtStatusToDosError>(reinterpret_cast<void (*)()>(proc));
    return to_dos_error(status);
}

}  // namespace

CompletionPort CompletionPort::create(DWORD concurrency) {
    // No device yet (INVALID_HANDLE_VALUE), no existing port, no key: this makes a new port.
    return CompletionPort{UniqueHandle{
        check_handle(CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, concurrency),
                     "CreateIoCompletionPort")}};
}

void CompletionPort::associate(HANDLE device, ULONG_PTR key) {
    if (!port_) {
        // With no existing port, CreateIoCompletionPort would take its other role and make a
        // new port bound to `device` for good, and this object could not even close it.
        throw_win32_error("CompletionPort::associate (a moved-from port)", ERROR_INVALID_HANDLE);
    }
    // On success the call returns the existing port itself; the concurrency argument is ignored.
    const HANDLE result = CreateIoCompletionPort(device, port_.get(), key, 0);
    if (result != port_.get()) {
        throw_last_error("CreateIoCompletionPort");
    }
}

void CompletionPort::associate(SOCKET socket, ULONG_PTR key) {
    // A SOCKET from Winsock's own provider is a kernel file handle.
    associate(reinterpret_cast<HANDLE>(socket), key);
}

void CompletionPort::post(DWORD bytes, ULONG_PTR key, OVERLAPPED* overlapped) {
    check_bool(PostQueuedCompletionStatus(port_.get(), bytes, key, overlapped),
               "PostQueuedCompletionStatus");
}

DWORD CompletionPort::try_post(DWORD bytes, ULONG_PTR key, OVERLAPPED* overlapped) noexcept {
    return PostQueuedCompletionStatus(port_.get(), bytes, key, overlapped) ? ERROR_SUCCESS
                                                                           : GetLastError();
}

Dequeued CompletionPort::get(DWORD timeout_ms) {
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    OVERLAPPED* overlapped = nullptr;
    if (GetQueuedCompletionStatus(port_.get(), &bytes, &key, &overlapped, timeout_ms)) {
        return {DequeueOutcome::completed, {bytes, key, overlapped, ERROR_SUCCESS}};
    }
    const DWORD error = GetLastError();
    // FALSE with an OVERLAPPED: a packet was dequeued, for an I/O that failed. The port is fine.
    if (overlapped != nullptr) {
        return {DequeueOutcome::failed_io, {bytes, key, overlapped, error}};
    }
    // FALSE without one: nothing was dequeued, and bytes and key are indeterminate.
    if (error != WAIT_TIMEOUT && error != ERROR_ABANDONED_WAIT_0) {
        throw_win32_error("GetQueuedCompletionStatus", error);
    }
    return {DequeueOutcome::no_packet, {0, 0, nullptr, error}};
}

DequeuedMany CompletionPort::get_many(std::span<OVERLAPPED_ENTRY> entries, DWORD timeout_ms) {
    if (entries.empty()) {
        // Nowhere to put a packet: refuse here rather than learn what each system makes of it.
        throw_win32_error("CompletionPort::get_many (no entries)", ERROR_INVALID_PARAMETER);
    }
    const auto capacity = static_cast<ULONG>(
        std::min<std::size_t>(entries.size(), std::numeric_limits<ULONG>::max()));
    ULONG removed = 0;
    if (!GetQueuedCompletionStatusEx(port_.get(), entries.data(), capacity, &removed, timeout_ms,
                                     FALSE)) {
        const DWORD error = GetLastError();
        if (error != WAIT_TIMEOUT && error != ERROR_ABANDONED_WAIT_0) {
            throw_win32_error("GetQueuedCompletionStatusEx", error);
        }
        // A wait that timed out sets `removed` to 1 (Windows and Wine alike): trust the FALSE.
        return {{}, error};
    }
    return {entries.first(removed), ERROR_SUCCESS};
}

Completion to_completion(const OVERLAPPED_ENTRY& entry) {
    // The OVERLAPPED_ENTRY page documents Internal only as "Reserved": reading it relies on
    // long-stable, undocumented behaviour (completion_port.h says why it is read anyway).
    // Internal is the packet's IO_STATUS_BLOCK.Status: a 32-bit NTSTATUS in a pointer-sized
    // field, so only the low half counts. NT_SUCCESS (>= 0) is what makes GQCS return TRUE.
    const auto status = static_cast<LONG>(static_cast<ULONG>(entry.Internal));
    const DWORD error = status >= 0 ? ERROR_SUCCESS : win32_error_from_ntstatus(status);
    return {entry.dwNumberOfBytesTransferred, entry.lpCompletionKey, entry.lpOverlapped, error};
}

}  // namespace iocp
