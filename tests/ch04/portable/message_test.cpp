// tests/ch04/client/message_test.cpp: the bytes the client sends and the bytes its checker
// expects back are the same bytes, built two ways (append_frame, and expected_bytes' own
// header), and they differ from connection to connection and message to message.
#include "message.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <span>
#include <vector>

namespace {

using ch04::Protocol;

// The checker's view of a whole message, asked for in pieces of `piece` bytes.
std::vector<std::byte> expected_in_pieces(Protocol protocol, std::size_t size,
                                          std::size_t connection, std::uint64_t sequence,
                                          std::size_t piece) {
    std::vector<std::byte> bytes(ch04::wire_size(protocol, size));
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        const std::size_t n = std::min(piece, bytes.size() - at);
        ch04::expected_bytes(protocol, size, connection, sequence, at,
                             std::span{bytes}.subspan(at, n));
    }
    return bytes;
}

TEST(ClientMessage, PacketCheckerAgreesWithAppendFrame) {
    std::vector<std::byte> scratch;
    for (const std::size_t size : {std::size_t{1}, std::size_t{100}, ch04::max_frame_size - 4}) {
        for (const std::uint64_t sequence : {std::uint64_t{0}, std::uint64_t{0x1'2345}}) {
            std::vector<std::byte> sent;
            ch04::append_message(sent, Protocol::packet, size, 3, sequence, scratch);
            ASSERT_EQ(sent.size(), size + 4);
            const ch04::FrameHeader header =
                ch04::read_header(std::span{sent}.first<ch04::frame_header_size>());
            EXPECT_EQ(header.size, size + 4);
            EXPECT_EQ(header.type, sequence & 0xFFFF);
            // Pieces of 1, 3 and 7 bytes cross the header's end at every possible offset.
            for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{7}}) {
                EXPECT_EQ(expected_in_pieces(Protocol::packet, size, 3, sequence, piece), sent)
                    << "size " << size << ", sequence " << sequence << ", piece " << piece;
            }
        }
    }
}

TEST(ClientMessage, StreamCheckerAgreesWithTheSender) {
    std::vector<std::byte> scratch;
    std::vector<std::byte> sent;
    ch04::append_message(sent, Protocol::stream, 1000, 7, 42, scratch);
    ASSERT_EQ(sent.size(), 1000u);
    EXPECT_EQ(expected_in_pieces(Protocol::stream, 1000, 7, 42, 333), sent);
}

TEST(ClientMessage, BytesDependOnConnectionSequenceAndOffset) {
    std::vector<std::byte> scratch;
    std::vector<std::byte> base;
    std::vector<std::byte> other_connection;
    std::vector<std::byte> other_sequence;
    ch04::append_message(base, Protocol::stream, 256, 0, 0, scratch);
    ch04::append_message(other_connection, Protocol::stream, 256, 1, 0, scratch);
    ch04::append_message(other_sequence, Protocol::stream, 256, 0, 1, scratch);
    const auto differing = [](const std::vector<std::byte>& a, const std::vector<std::byte>& b) {
        std::size_t count = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            count += a[i] != b[i] ? 1 : 0;
        }
        return count;
    };
    // A message sent on the wrong connection, or one sent twice, is caught in most of its bytes.
    EXPECT_GT(differing(base, other_connection), 200u);
    EXPECT_GT(differing(base, other_sequence), 200u);
    // Within a message the bytes vary too, so a shifted echo is caught.
    std::size_t repeats = 0;
    for (std::size_t i = 1; i < base.size(); ++i) {
        repeats += base[i] == base[i - 1] ? 1 : 0;
    }
    EXPECT_LT(repeats, 16u);
}

TEST(ClientMessage, WireSizeCountsThePacketHeader) {
    EXPECT_EQ(ch04::wire_size(Protocol::stream, 64), 64u);
    EXPECT_EQ(ch04::wire_size(Protocol::packet, 64), 68u);
}

}  // namespace
