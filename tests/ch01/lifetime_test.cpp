// tests/ch01/lifetime_test.cpp: a request is freed only after its completion, and a request
// cancelled with CancelIoEx still completes (here with ERROR_OPERATION_ABORTED, as nothing could
// complete it first) before it may be freed.
#include "lifetime.h"

#include "iocp/socket.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace {

using ch01::Step;

TEST(Lifetime, EachRequestIsFreedOnlyAfterItsCompletion) {
    iocp::WinsockSession winsock;
    const ch01::LifetimeReport report = ch01::run_lifetime();
    std::vector<std::pair<char, Step>> steps;
    for (const ch01::LifetimeStep& step : report.steps) {
        steps.emplace_back(step.request, step.step);
    }
    const std::vector<std::pair<char, Step>> expected = {
        {'A', Step::issued},    {'A', Step::peer_sent}, {'A', Step::completed},
        {'A', Step::freed},     {'B', Step::issued},    {'B', Step::cancel_requested},
        {'B', Step::completed}, {'B', Step::freed},
    };
    EXPECT_EQ(steps, expected);
}

// The step at which `request` completed.
ch01::LifetimeStep completion_of(const ch01::LifetimeReport& report, char request) {
    for (const ch01::LifetimeStep& step : report.steps) {
        if (step.request == request && step.step == Step::completed) {
            return step;
        }
    }
    ADD_FAILURE() << "request " << request << " never completed";
    return {};
}

TEST(Lifetime, TheFirstReceiveDeliversThePeersBytesAndTheCancelledOneIsAborted) {
    iocp::WinsockSession winsock;
    const ch01::LifetimeReport report = ch01::run_lifetime();
    const ch01::LifetimeStep a = completion_of(report, 'A');
    EXPECT_EQ(a.error, DWORD{ERROR_SUCCESS});
    EXPECT_EQ(a.bytes, 5u);
    EXPECT_EQ(a.data, "hello");
    const ch01::LifetimeStep b = completion_of(report, 'B');
    EXPECT_EQ(b.error, DWORD{ERROR_OPERATION_ABORTED});
    EXPECT_EQ(b.bytes, 0u);
    EXPECT_EQ(b.data, "");
}

}  // namespace
