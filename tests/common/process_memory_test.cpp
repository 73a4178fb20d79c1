// tests/common/process_memory_test.cpp: GetProcessMemoryInfo's figures for this process, a
// failure as std::system_error, and the report line's exact shape.
#include "iocp/process_memory.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <memory>

namespace {

// 64 MiB, far above the heap's slack, each page touched: committed and resident.
std::unique_ptr<char[]> touched_block(std::size_t size) {
    auto block = std::make_unique<char[]>(size);
    for (std::size_t i = 0; i < size; i += 4096) {
        block[i] = 1;
    }
    return block;
}
constexpr std::size_t block_size = 64 * 1024 * 1024;

TEST(ProcessMemory, ThisProcessHasAWorkingSetAndCommittedMemory) {
    const iocp::ProcessMemory memory = iocp::process_memory();
    EXPECT_GT(memory.working_set, 0u);
    EXPECT_GE(memory.peak_working_set, memory.working_set);
    EXPECT_GT(memory.commit_bytes, 0u);
}

TEST(ProcessMemory, CommitAndWorkingSetGrowWithWhatTheProcessTouches) {
    const iocp::ProcessMemory before = iocp::process_memory();
    const auto block = touched_block(block_size);
    const iocp::ProcessMemory after = iocp::process_memory();
    EXPECT_GE(after.commit_bytes, before.commit_bytes + block_size / 2);
    EXPECT_GE(after.peak_working_set, before.working_set + block_size / 2);
}

TEST(ProcessMemory, PrivateBytesGrowWithWhatTheProcessTouches) {
    IOCP_SKIP_UNDER_WINE("GetProcessMemoryInfo's PrivateUsage is always 0 under Wine 8");
    const iocp::ProcessMemory before = iocp::process_memory();
    EXPECT_GT(before.private_bytes, 0u);
    const auto block = touched_block(block_size);
    EXPECT_GE(iocp::process_memory().private_bytes, before.private_bytes + block_size / 2);
}

TEST(ProcessMemory, ABadHandleIsASystemError) {
    const std::system_error e =
        iocp::testing::thrown_by([] { static_cast<void>(iocp::process_memory(nullptr)); });
    EXPECT_NE(e.code().value(), 0);
    EXPECT_NE(std::string{e.what()}.find("GetProcessMemoryInfo"), std::string::npos) << e.what();
}

TEST(ProcessMemory, TheReportLineIsKeyEqualsValueSeparatedBySpaces) {
    EXPECT_EQ(iocp::report_line({1, 2, 3, 4}, {{"sessions", 5}, {"bytes_sent", 60}}),
              "report: working_set=1 peak_working_set=2 private_bytes=3 commit_bytes=4 "
              "sessions=5 bytes_sent=60");
    EXPECT_EQ(iocp::report_line({}, {}),
              "report: working_set=0 peak_working_set=0 private_bytes=0 commit_bytes=0");
}

}  // namespace
