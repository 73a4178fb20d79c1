// tests/ch04/tuning.h: the server's performance options, each alone and all together (and with
// zero-byte receives, whose "no buffer while idle" --reuse-buffers must keep), as the cases of
// the parameterised tests in server_test.cpp and server_load_test.cpp.
#pragma once
#include "server.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace ch04::testing {

struct Tuning {
    const char* name;
    int batch = 1;
    bool gather_sends = false;
    bool reuse_buffers = false;
    bool skip_on_success = false;
    bool rounds = false;
    bool zero_byte_recv = false;

    ServerOptions options() const {
        ServerOptions options;
        options.batch = batch;
        options.gather_sends = gather_sends;
        options.reuse_buffers = reuse_buffers;
        options.skip_on_success = skip_on_success;
        options.rounds = rounds;
        options.zero_byte_recv = zero_byte_recv;
        return options;
    }
};

inline const Tuning tunings[] = {
    {.name = "plain"},  // every option off (the server's defaults have skip_on_success on)
    {.name = "batch_16", .batch = 16},
    {.name = "gather_sends", .gather_sends = true},
    {.name = "reuse_buffers", .reuse_buffers = true},
    {.name = "skip_on_success", .skip_on_success = true},
    {.name = "skip_on_success_rounds", .skip_on_success = true, .rounds = true},
    {.name = "all_on",
     .batch = 16,
     .gather_sends = true,
     .reuse_buffers = true,
     .skip_on_success = true,
     .rounds = true},
    {.name = "all_on_zero_byte_recv",
     .batch = 16,
     .gather_sends = true,
     .reuse_buffers = true,
     .skip_on_success = true,
     .rounds = true,
     .zero_byte_recv = true},
};

// The case's name in CTest (Options/TunedServer.Test/all_on).
inline std::string tuning_name(const ::testing::TestParamInfo<Tuning>& info) {
    return info.param.name;
}

// What every option's counters must say whatever the run: an option that is off did nothing,
// and a batch never exceeds its size (unless receives were deferred: with skip-on-success and
// rounds, a worker takes as many packets as its share of the deferred receives, up to 1024).
inline void expect_options_kept_to(const Tuning& tuning, const ServerCounters& counters) {
    if (!(tuning.skip_on_success && tuning.rounds)) {
        EXPECT_LE(counters.largest_batch, static_cast<std::uint64_t>(tuning.batch));
        if (tuning.batch == 1) {
            EXPECT_EQ(counters.largest_batch, 0u);
        }
    }
    EXPECT_LE(counters.largest_batch, 1024u);
    if (!tuning.gather_sends) {
        EXPECT_EQ(counters.gathered_sends, 0u);
    }
    if (!tuning.reuse_buffers) {
        EXPECT_EQ(counters.buffers_reused, 0u);
    }
    if (!tuning.skip_on_success) {
        EXPECT_EQ(counters.skip_sessions, 0u);
        EXPECT_EQ(counters.inline_completions, 0u);
    }
}

}  // namespace ch04::testing
