// ch01_overlapped/file_requests.h: many overlapped requests on one file, issued before any wait.
//
// run_file_requests() opens a temporary file with FILE_FLAG_OVERLAPPED, issues `blocks` writes
// (each at its own offset) before waiting on any, does other work while they are in flight,
// collects each with GetOverlappedResult, then does the same with reads and checks every byte.
#pragma once
#include "outcome.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ch01 {

struct FileOptions {
    std::size_t blocks = 8;
    std::size_t block_size = 64 * 1024;
};

// What happened to one request.
struct RequestReport {
    std::uint64_t offset = 0;
    Issued issued;       // what the call returned
    DWORD bytes = 0;     // bytes transferred, from GetOverlappedResult
    int completion = 0;  // 1 = the first request seen complete, 2 = the second...
};

// One phase: every write, or every read.
struct PhaseReport {
    std::vector<RequestReport> requests;
    std::uint64_t work_units = 0;     // units of other work done while requests were out
    std::uint32_t work_checksum = 0;  // the work's result, so the work is real
};

struct FileReport {
    FileOptions options;
    PhaseReport writes;
    PhaseReport reads;
    std::uint64_t bytes_verified = 0;    // read bytes equal to what was written there
    std::uint64_t bytes_mismatched = 0;  // read bytes that differ (0 unless something is broken)
};

// Throws std::system_error when a call fails (after cancelling and collecting what is in flight).
FileReport run_file_requests(const FileOptions& options);

// The byte written at `offset`: it depends on the offset, so a block read from the wrong place
// does not match.
unsigned char pattern_byte(std::uint64_t offset) noexcept;

// Issues one overlapped ReadFile into `buffer` at `offset` and classifies what it returned.
// Exposed for the tests: a bad handle must come out as failed with ERROR_INVALID_HANDLE.
Issued issue_read(HANDLE file, OVERLAPPED& overlapped, std::span<unsigned char> buffer,
                  std::uint64_t offset);

}  // namespace ch01
