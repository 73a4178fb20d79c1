// ch04_echo_server/portable/message.cpp: the client's message bytes (see message.h).
#include "message.h"

#include <array>

namespace ch04 {

std::size_t wire_size(Protocol protocol, std::size_t size) noexcept {
    return protocol == Protocol::packet ? frame_header_size + size : size;
}

void fill_payload(std::size_t connection, std::uint64_t sequence, std::uint64_t offset,
                  std::span<std::byte> out) noexcept {
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = pattern_byte(connection, sequence, offset + i);
    }
}

void append_message(std::vector<std::byte>& out, Protocol protocol, std::size_t size,
                    std::size_t connection, std::uint64_t sequence,
                    std::vector<std::byte>& scratch) {
    if (protocol == Protocol::stream) {
        const std::size_t at = out.size();
        out.resize(at + size);
        fill_payload(connection, sequence, 0, std::span{out}.subspan(at));
        return;
    }
    scratch.resize(size);
    fill_payload(connection, sequence, 0, scratch);
    append_frame(out, static_cast<std::uint16_t>(sequence & 0xFFFFu), scratch);
}

void expected_bytes(Protocol protocol, std::size_t size, std::size_t connection,
                    std::uint64_t sequence, std::uint64_t offset,
                    std::span<std::byte> out) noexcept {
    if (protocol == Protocol::stream) {
        fill_payload(connection, sequence, offset, out);
        return;
    }
    // The frame header, little-endian: [u16 whole frame size][u16 type = sequence & 0xFFFF].
    const auto frame = static_cast<std::uint16_t>(frame_header_size + size);
    const auto type = static_cast<std::uint16_t>(sequence & 0xFFFFu);
    const std::array<std::byte, frame_header_size> header{
        static_cast<std::byte>(frame & 0xFFu), static_cast<std::byte>(frame >> 8),
        static_cast<std::byte>(type & 0xFFu), static_cast<std::byte>(type >> 8)};
    std::size_t i = 0;
    for (; i < out.size() && offset + i < frame_header_size; ++i) {
        out[i] = header[offset + i];
    }
    if (i < out.size()) {
        fill_payload(connection, sequence, offset + i - frame_header_size, out.subspan(i));
    }
}

}  // namespace ch04
