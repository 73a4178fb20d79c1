// ch01_overlapped/file_requests.cpp: K writes, then K reads, all issued before any is waited on.
#include "file_requests.h"

#include "iocp/error.h"
#include "iocp/handle.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace ch01 {
namespace {

constexpr std::size_t max_total_bytes = 64u * 1024 * 1024;
constexpr auto collect_deadline = std::chrono::seconds{30};

enum class Direction { write, read };

// [snippet:file_request]
// One request: its OVERLAPPED, the event its completion sets, and the buffer the kernel reads
// from (a write) or writes into (a read). From issue to completion all three are the kernel's.
struct FileRequest {
    OVERLAPPED overlapped{};
    iocp::UniqueHandle done;  // manual-reset event
    std::vector<unsigned char> buffer;
    RequestReport report;
    bool in_flight = false;  // issued and not yet collected
};
// [/snippet]

iocp::UniqueHandle open_temporary_file() {
    wchar_t directory[MAX_PATH + 1];
    const DWORD length = GetTempPathW(MAX_PATH + 1, directory);
    if (length == 0) {
        iocp::throw_last_error("GetTempPathW");
    }
    if (length > MAX_PATH) {
        iocp::throw_win32_error("GetTempPathW", ERROR_BUFFER_OVERFLOW);
    }
    wchar_t path[MAX_PATH];
    if (GetTempFileNameW(directory, L"ch1", 0, path) == 0) {
        iocp::throw_last_error("GetTempFileNameW");
    }
    // [snippet:open_overlapped]
    // FILE_FLAG_OVERLAPPED lets every ReadFile/WriteFile on this handle run asynchronously
    // (Windows may still complete one before the call returns); the file is deleted when the
    // handle closes.
    const HANDLE file = CreateFileW(
        path, GENERIC_READ | GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
        FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE | FILE_FLAG_OVERLAPPED, nullptr);
    // [/snippet]
    if (file == INVALID_HANDLE_VALUE) {
        const DWORD error = GetLastError();
        if (!DeleteFileW(path)) {  // GetTempFileNameW created it: do not leave it behind
            iocp::report_cleanup_failure("DeleteFileW", GetLastError());
        }
        iocp::throw_win32_error("CreateFileW", error);
    }
    return iocp::UniqueHandle{file};
}

// [snippet:set_offset]
// Overlapped I/O on a file has no "current position": each request names its own offset.
void set_offset(OVERLAPPED& overlapped, std::uint64_t offset) {
    overlapped.Offset = static_cast<DWORD>(offset & 0xFFFF'FFFFu);
    overlapped.OffsetHigh = static_cast<DWORD>(offset >> 32);
}
// [/snippet]

Issued issue_write(HANDLE file, OVERLAPPED& overlapped, std::span<const unsigned char> buffer,
                   std::uint64_t offset) {
    set_offset(overlapped, offset);
    const BOOL result =
        WriteFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), nullptr, &overlapped);
    return classify_file_call(result, GetLastError());
}

// Cancels what is still in flight and waits for each completion. Until a request completes
// the kernel may still write into its OVERLAPPED and buffer, so freeing them first would let it
// write into freed memory. Used when a phase ends early (a failure, an exception).
void cancel_and_collect(HANDLE file, std::vector<FileRequest>& requests) noexcept {
    bool any = false;
    for (const FileRequest& request : requests) {
        any = any || request.in_flight;
    }
    if (!any) {
        return;
    }
    if (!CancelIoEx(file, nullptr)) {
        const DWORD error = GetLastError();
        if (error != ERROR_NOT_FOUND) {  // ERROR_NOT_FOUND: all finished meanwhile
            iocp::report_cleanup_failure("CancelIoEx", error);
        }
    }
    for (FileRequest& request : requests) {
        if (!request.in_flight) {
            continue;
        }
        DWORD bytes = 0;
        // bWait = TRUE: a cancelled request still completes. Which code it ends with does not
        // decide whether it is collected: it is, in every case, once this returns.
        if (!GetOverlappedResult(file, &request.overlapped, &bytes, TRUE)) {
            const DWORD error = GetLastError();
            // 995 is the answer this cancel asked for, so it is not reported. A request the
            // cancel came too late for ends with its own result (the CancelIoEx page lists
            // three: done normally, ERROR_OPERATION_ABORTED, another error): that one is.
            if (error != ERROR_OPERATION_ABORTED) {
                iocp::report_cleanup_failure("GetOverlappedResult", error);
            }
        }
        request.in_flight = false;  // completed: its OVERLAPPED and buffer are ours again
    }
}

// Whatever ends a phase early, nothing leaves it while the kernel still holds a request.
class CollectOnExit {
public:
    CollectOnExit(HANDLE file, std::vector<FileRequest>& requests)
        : file_(file), requests_(requests) {}
    ~CollectOnExit() { cancel_and_collect(file_, requests_); }
    CollectOnExit(const CollectOnExit&) = delete;
    CollectOnExit& operator=(const CollectOnExit&) = delete;

private:
    HANDLE file_;
    std::vector<FileRequest>& requests_;
};

// A unit of "other work": a checksum over 1,024 pattern bytes, a few microseconds of real work.
std::uint32_t other_work(std::uint32_t checksum, std::uint64_t seed) {
    for (std::uint64_t k = 0; k < 1024; ++k) {
        checksum = (checksum ^ pattern_byte(seed + k)) * 16'777'619u;
    }
    return checksum;
}

// Asks, without waiting, whether the request is done; if so records its byte count and order.
bool try_collect(HANDLE file, FileRequest& request, int& completed) {
    DWORD bytes = 0;
    // [snippet:poll_one]
    if (!GetOverlappedResult(file, &request.overlapped, &bytes, FALSE)) {
        const DWORD error = GetLastError();
        if (error == ERROR_IO_INCOMPLETE) {
            return false;  // still in flight: the kernel still owns it
        }
        request.in_flight = false;  // it completed, with an error
        iocp::throw_win32_error("GetOverlappedResult", error);
    }
    // Completed: the OVERLAPPED and the buffer are the program's again.
    request.in_flight = false;
    // [/snippet]
    request.report.bytes = bytes;
    request.report.completion = ++completed;
    return true;
}

PhaseReport run_phase(HANDLE file, Direction direction, std::vector<FileRequest>& requests) {
    const char* call = direction == Direction::write ? "WriteFile" : "ReadFile";
    CollectOnExit collect_on_exit{file, requests};
    PhaseReport phase;
    int completed = 0;
    // [snippet:issue_all]
    for (FileRequest& request : requests) {
        request.overlapped = OVERLAPPED{};  // reusable: the previous phase collected it
        // Its own event, not the file handle: with several requests out on one handle, the
        // handle is signalled by whichever finishes, and cannot say which one that was.
        request.overlapped.hEvent = request.done.get();
        const std::uint64_t offset = request.report.offset;
        request.report.issued = direction == Direction::write
                                    ? issue_write(file, request.overlapped, request.buffer, offset)
                                    : issue_read(file, request.overlapped, request.buffer, offset);
        throw_if_failed(request.report.issued, call);  // CollectOnExit collects the others
        request.in_flight = true;  // done now or not, the result is collected the same way
        if (request.report.issued.outcome == IssueOutcome::done_now) {
            try_collect(file, request, completed);  // done now: does not wait
        }
    }
    // [/snippet]
    // [snippet:work_while_in_flight]
    // Nothing has been waited on. The thread is free: it does other work and, between two
    // units of it, asks each request still out whether it is done.
    const auto deadline = std::chrono::steady_clock::now() + collect_deadline;
    std::uint32_t checksum = 2'166'136'261u;
    while (completed < static_cast<int>(requests.size())) {
        checksum = other_work(checksum, phase.work_units++);
        for (FileRequest& request : requests) {
            if (request.in_flight) {
                try_collect(file, request, completed);
            }
        }
        if (std::chrono::steady_clock::now() > deadline) {
            iocp::throw_win32_error(call, ERROR_TIMEOUT);  // CollectOnExit cancels the rest
        }
    }
    // [/snippet]
    phase.work_checksum = checksum;
    for (const FileRequest& request : requests) {
        phase.requests.push_back(request.report);
    }
    return phase;
}

void check_options(const FileOptions& options) {
    if (options.blocks == 0 || options.block_size == 0) {
        throw std::invalid_argument("--blocks and --block-size must be at least 1");
    }
    if (options.block_size > max_total_bytes / options.blocks) {
        throw std::invalid_argument("--blocks times --block-size must be at most " +
                                    std::to_string(max_total_bytes / (1024 * 1024)) + " MiB");
    }
}

}  // namespace

unsigned char pattern_byte(std::uint64_t offset) noexcept {
    return static_cast<unsigned char>((offset * 2'654'435'761u) >> 13);
}

// [snippet:issue_read]
Issued issue_read(HANDLE file, OVERLAPPED& overlapped, std::span<unsigned char> buffer,
                  std::uint64_t offset) {
    set_offset(overlapped, offset);
    // lpNumberOfBytesRead is nullptr: for an overlapped call the count is not known yet.
    // GetOverlappedResult reports it at completion.
    const BOOL result =
        ReadFile(file, buffer.data(), static_cast<DWORD>(buffer.size()), nullptr, &overlapped);
    return classify_file_call(result, GetLastError());
}
// [/snippet]

FileReport run_file_requests(const FileOptions& options) {
    check_options(options);
    iocp::UniqueHandle file = open_temporary_file();
    // Sized once and never resized: a vector that grows moves its elements, and a moved
    // OVERLAPPED is no longer the one the kernel was given.
    std::vector<FileRequest> requests(options.blocks);
    for (std::size_t i = 0; i < requests.size(); ++i) {
        FileRequest& request = requests[i];
        request.done = iocp::UniqueHandle{
            iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")};
        request.report.offset = static_cast<std::uint64_t>(i) * options.block_size;
        request.buffer.resize(options.block_size);
        for (std::size_t j = 0; j < request.buffer.size(); ++j) {
            request.buffer[j] = pattern_byte(request.report.offset + j);
        }
    }

    FileReport report;
    report.options = options;
    report.writes = run_phase(file.get(), Direction::write, requests);

    // Every write is collected, so each buffer may be reused. Fill it with what the file must
    // NOT hold, so a byte the read fails to deliver cannot pass the check.
    for (FileRequest& request : requests) {
        for (std::size_t j = 0; j < request.buffer.size(); ++j) {
            request.buffer[j] =
                static_cast<unsigned char>(~pattern_byte(request.report.offset + j));
        }
    }
    report.reads = run_phase(file.get(), Direction::read, requests);

    for (const FileRequest& request : requests) {
        const std::size_t delivered =
            std::min<std::size_t>(request.report.bytes, request.buffer.size());
        for (std::size_t j = 0; j < delivered; ++j) {
            if (request.buffer[j] == pattern_byte(request.report.offset + j)) {
                ++report.bytes_verified;
            } else {
                ++report.bytes_mismatched;
            }
        }
        report.bytes_mismatched += request.buffer.size() - delivered;  // short read: missing
    }
    return report;
}

}  // namespace ch01
