// ch04_echo_server/portable/message.h: what the load generator sends, and how it checks the echo.
//
// Every byte the client sends is a function of (connection index, message sequence, offset), so
// every byte that comes back can be checked without keeping a copy of what was sent:
//   stream  a message is `size` pattern bytes;
//   packet  a message is one frame (portable/frame.h): header [u16 4 + size][u16 sequence &
//           0xFFFF], then `size` pattern bytes. The sender builds it with append_frame.
// The checker has its own copy of the header's layout (expected_bytes), so a mistake in one is
// not hidden by the same mistake in the other; a test holds the two together.
// Portable: no windows.h.
#pragma once
#include "frame.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ch04 {

// Payload byte `offset` of message `sequence` of connection `connection`. A message sent twice,
// out of order or to the wrong connection differs from the expected one in most bytes.
inline std::byte pattern_byte(std::size_t connection, std::uint64_t sequence,
                              std::uint64_t offset) noexcept {
    const std::uint64_t seed =
        (static_cast<std::uint64_t>(connection) + 1) * 0x9E37'79B9'7F4A'7C15u ^
        (sequence + 1) * 0xC2B2'AE3D'27D4'EB4Fu;
    return static_cast<std::byte>((seed + offset * 0x1656'67B1'9E37'79F9u) >> 56);
}

// Bytes one message takes on the wire: `size` (stream) or frame_header_size + `size` (packet).
std::size_t wire_size(Protocol protocol, std::size_t size) noexcept;

// Writes payload bytes [offset, offset + out.size()) of a message.
void fill_payload(std::size_t connection, std::uint64_t sequence, std::uint64_t offset,
                  std::span<std::byte> out) noexcept;

// Appends the whole message as the sender sends it (packet: through append_frame). `scratch`
// holds a frame's payload while it is built, so a sender can reuse one buffer.
void append_message(std::vector<std::byte>& out, Protocol protocol, std::size_t size,
                    std::size_t connection, std::uint64_t sequence,
                    std::vector<std::byte>& scratch);

// The message's wire bytes [offset, offset + out.size()), as the checker expects them back.
// The range must lie inside the message.
void expected_bytes(Protocol protocol, std::size_t size, std::size_t connection,
                    std::uint64_t sequence, std::uint64_t offset,
                    std::span<std::byte> out) noexcept;

}  // namespace ch04
