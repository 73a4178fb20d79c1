// tests/ch01/file_requests_test.cpp: every request of every phase completes with all its bytes,
// at its own offset, and every byte read back is the byte written there.
#include "file_requests.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace {

using ch01::IssueOutcome;

void expect_phase_complete(const ch01::PhaseReport& phase, const ch01::FileOptions& options,
                           const char* name) {
    SCOPED_TRACE(name);
    ASSERT_EQ(phase.requests.size(), options.blocks);
    std::vector<int> order;
    for (std::size_t i = 0; i < phase.requests.size(); ++i) {
        const ch01::RequestReport& request = phase.requests[i];
        EXPECT_EQ(request.offset, i * options.block_size) << "request " << i;
        EXPECT_NE(request.issued.outcome, IssueOutcome::failed) << "request " << i;
        EXPECT_EQ(request.bytes, options.block_size) << "request " << i;
        order.push_back(request.completion);
    }
    // Each request was seen complete exactly once: the orders are 1..K in some order.
    std::sort(order.begin(), order.end());
    std::vector<int> expected(options.blocks);
    std::iota(expected.begin(), expected.end(), 1);
    EXPECT_EQ(order, expected);
}

class FileRequests : public testing::TestWithParam<std::tuple<std::size_t, std::size_t>> {};

TEST_P(FileRequests, EveryBlockIsWrittenAndReadBackAtItsOwnOffset) {
    const ch01::FileOptions options{std::get<0>(GetParam()), std::get<1>(GetParam())};
    const ch01::FileReport report = ch01::run_file_requests(options);
    expect_phase_complete(report.writes, options, "writes");
    expect_phase_complete(report.reads, options, "reads");
    EXPECT_EQ(report.bytes_verified, options.blocks * options.block_size);
    EXPECT_EQ(report.bytes_mismatched, 0u);
}

// Block counts 1 and 8 (the default); block sizes from 1 byte to 1 MiB, odd sizes included, so
// offsets that are not sector-aligned are exercised too.
INSTANTIATE_TEST_SUITE_P(BlocksAndSizes, FileRequests,
                         testing::Combine(testing::Values(std::size_t{1}, std::size_t{8}),
                                          testing::Values(std::size_t{1}, std::size_t{511},
                                                          std::size_t{4096}, std::size_t{65536 + 7},
                                                          std::size_t{1024 * 1024})),
                         [](const testing::TestParamInfo<FileRequests::ParamType>& param_info) {
                             return std::to_string(std::get<0>(param_info.param)) + "_blocks_of_" +
                                    std::to_string(std::get<1>(param_info.param)) + "_bytes";
                         });

TEST(FileRequestsOptions, ZeroBlocksOrTooMuchMemoryIsRejectedBeforeAnyIo) {
    EXPECT_THROW(ch01::run_file_requests({0, 4096}), std::invalid_argument);
    EXPECT_THROW(ch01::run_file_requests({8, 0}), std::invalid_argument);
    EXPECT_THROW(ch01::run_file_requests({64, 16 * 1024 * 1024}), std::invalid_argument);
}

TEST(FilePattern, NeighbouringBlocksDoNotHoldTheSameBytes) {
    // If the pattern repeated with the block size, a block read from the wrong offset would
    // still pass the check. Compare 4 KiB at offset 0 with 4 KiB at every 4 KiB up to 1 MiB.
    for (std::uint64_t block = 1; block < 256; ++block) {
        int same = 0;
        for (std::uint64_t j = 0; j < 4096; ++j) {
            same += ch01::pattern_byte(j) == ch01::pattern_byte(block * 4096 + j) ? 1 : 0;
        }
        EXPECT_LT(same, 4096) << "block " << block << " repeats block 0";
    }
}

}  // namespace
