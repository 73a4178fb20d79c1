// tests/ch04/portable/echo_check_test.cpp: the client's echo check
// (ch04_echo_server/portable/echo_check.h) passes an echo cut anywhere, counts the messages it
// completes, and fails at a wrong byte, at a message sent to another connection and at an echo
// longer than what was sent, in both protocols.
#include "echo_check.h"
#include "message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <span>
#include <vector>

namespace {

using ch04::EchoCheck;
using ch04::EchoVerdict;
using ch04::Protocol;
using testing::HasSubstr;

// Messages [0, count) of `connection`, as the sender sends them.
std::vector<std::byte> messages(Protocol protocol, std::size_t size, std::size_t connection,
                                std::uint64_t count) {
    std::vector<std::byte> bytes;
    std::vector<std::byte> scratch;
    for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
        ch04::append_message(bytes, protocol, size, connection, sequence, scratch);
    }
    return bytes;
}

class EchoCheckProtocols : public testing::TestWithParam<Protocol> {};

// Whatever the cut (one byte, a prime, inside the header), every message comes back verified
// exactly once, in order.
TEST_P(EchoCheckProtocols, AnEchoCutAnywhereIsVerifiedMessageByMessage) {
    const Protocol protocol = GetParam();
    constexpr std::size_t size = 300;
    const std::vector<std::byte> sent = messages(protocol, size, 5, 7);
    for (const std::size_t piece :
         {std::size_t{1}, std::size_t{3}, std::size_t{97}, std::size_t{1000}, sent.size()}) {
        EchoCheck check{protocol, size, 5};
        check.sent(sent.size());
        std::uint64_t next = 0;
        for (std::size_t at = 0; at < sent.size(); at += piece) {
            const std::size_t n = std::min(piece, sent.size() - at);
            const EchoVerdict verdict = check.check(std::span{sent}.subspan(at, n));
            ASSERT_TRUE(verdict.ok()) << verdict.error << " (piece " << piece << ")";
            EXPECT_EQ(verdict.first, next);
            EXPECT_EQ(verdict.mismatched, 0u);
            next += verdict.messages;
            EXPECT_EQ(check.echoed_messages(), next);
        }
        EXPECT_EQ(next, 7u) << "piece " << piece;
        EXPECT_TRUE(check.all_echoed());
        EXPECT_EQ(check.bytes_echoed(), sent.size());
    }
}

TEST_P(EchoCheckProtocols, AWrongByteIsNamedAndCountedAndEndsTheCount) {
    const Protocol protocol = GetParam();
    std::vector<std::byte> echo = messages(protocol, 64, 0, 3);
    const std::size_t wire = ch04::wire_size(protocol, 64);
    echo[wire + 10] ^= std::byte{0x5A};  // message 1, byte 10
    echo[wire + 11] ^= std::byte{0x01};
    EchoCheck check{protocol, 64, 0};
    check.sent(echo.size());
    const EchoVerdict verdict = check.check(echo);
    EXPECT_FALSE(verdict.ok());
    // Message 0 came back whole before the first wrong byte; 1 and 2 are not counted.
    EXPECT_EQ(verdict.first, 0u);
    EXPECT_EQ(verdict.messages, 1u);
    EXPECT_EQ(verdict.mismatched, 2u);
    EXPECT_EQ(verdict.matched, echo.size() - 2);
    EXPECT_THAT(verdict.error, HasSubstr("message 1 byte 10: expected 0x"));
    EXPECT_THAT(verdict.error, HasSubstr("(2 of " + std::to_string(echo.size()) + " bytes"));
}

INSTANTIATE_TEST_SUITE_P(Both, EchoCheckProtocols,
                         testing::Values(Protocol::stream, Protocol::packet),
                         [](const testing::TestParamInfo<Protocol>& info) {
                             return info.param == Protocol::packet ? "Packet" : "Stream";
                         });

TEST(EchoCheck, AnotherConnectionsMessageFails) {
    const std::vector<std::byte> theirs = messages(Protocol::stream, 128, 1, 1);
    EchoCheck check{Protocol::stream, 128, 0};
    check.sent(theirs.size());
    const EchoVerdict verdict = check.check(theirs);
    EXPECT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.messages, 0u);
    EXPECT_GT(verdict.mismatched, 100u);
}

TEST(EchoCheck, AMessageSentTwiceFails) {
    std::vector<std::byte> echo = messages(Protocol::packet, 16, 2, 1);
    const std::vector<std::byte> again = echo;
    echo.insert(echo.end(), again.begin(), again.end());  // message 0 where 1 should be
    EchoCheck check{Protocol::packet, 16, 2};
    check.sent(echo.size());
    const EchoVerdict verdict = check.check(echo);
    EXPECT_FALSE(verdict.ok());
    EXPECT_EQ(verdict.messages, 1u);
    EXPECT_THAT(verdict.error, HasSubstr("message 1 byte 2"));  // the header's sequence differs
}

TEST(EchoCheck, AnEchoLongerThanWhatWasSentIsRefusedWhole) {
    const std::vector<std::byte> echo = messages(Protocol::stream, 10, 0, 2);
    EchoCheck check{Protocol::stream, 10, 0};
    check.sent(15);  // a message and a half so far
    const EchoVerdict verdict = check.check(echo);
    EXPECT_EQ(verdict.error, "the server sent more bytes than it was sent (20 > 15)");
    EXPECT_EQ(verdict.messages, 0u);
    EXPECT_EQ(verdict.matched + verdict.mismatched, 0u);
    EXPECT_EQ(check.bytes_echoed(), 0u);
    EXPECT_EQ(check.echoed_messages(), 0u);
}

// all_echoed is what lets a connection close: everything sent came back, and no message is
// half-sent.
TEST(EchoCheck, AllEchoedOnlyWhenTheEchoCaughtUpOnAMessagesEnd) {
    const std::vector<std::byte> sent = messages(Protocol::stream, 10, 0, 2);
    EchoCheck check{Protocol::stream, 10, 0};
    EXPECT_TRUE(check.all_echoed());  // nothing sent yet
    check.sent(15);
    EXPECT_FALSE(check.all_echoed());
    ASSERT_TRUE(check.check(std::span{sent}.first(15)).ok());
    EXPECT_FALSE(check.all_echoed()) << "message 1 is half-sent";
    check.sent(5);
    ASSERT_TRUE(check.check(std::span{sent}.subspan(15)).ok());
    EXPECT_TRUE(check.all_echoed());
    EXPECT_EQ(check.echoed_messages(), 2u);
}

}  // namespace
