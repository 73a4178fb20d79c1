// ch04_echo_server/portable/frame.h: the packet protocol's framing (portable: no windows.h).
//
// In `--protocol packet` every message is a frame: a 4-byte header, then the payload.
//
//     [u16 size][u16 type][payload: size - 4 bytes]      both u16 little-endian
//
// `size` counts the whole frame, header included, as game servers usually do, so a size below
// 4 can never be valid, and no frame exceeds 65535 bytes (the server's --max-packet may lower
// that). TCP delivers a byte stream, not messages: one receive may hold half a header, or three
// frames and a bit. FrameAssembler keeps what has arrived and hands out each frame once it is
// whole (the notes, 4장: "덜 받았다. 그럼 다시 recv를 요청").
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ch04 {

enum class Protocol { stream, packet };

inline constexpr std::size_t frame_header_size = 4;
inline constexpr std::size_t max_frame_size = 65535;

struct FrameHeader {
    std::uint16_t size = 0;  // the whole frame, header included
    std::uint16_t type = 0;
};

// Reads a header from the first 4 bytes (which must be there).
FrameHeader read_header(std::span<const std::byte, frame_header_size> bytes) noexcept;

// Appends one frame, header and payload, to `out`. Throws std::length_error when the frame
// would exceed max_frame_size.
void append_frame(std::vector<std::byte>& out, std::uint16_t type,
                  std::span<const std::byte> payload);

enum class FrameError {
    none,
    too_small,  // a header whose size is below frame_header_size
    too_large,  // a header whose size is above the assembler's limit
};

// "frame size 2 is below the 4-byte header" and the like, for the server's log.
std::string_view describe(FrameError error) noexcept;

class FrameAssembler {
public:
    // `max_frame`: the largest frame accepted, from frame_header_size to max_frame_size
    // (std::invalid_argument otherwise).
    explicit FrameAssembler(std::size_t max_frame = max_frame_size);

    // Takes the bytes of one receive and appends each frame that is now whole, header included,
    // to `frames`, in order. The spans point into the assembler and stay valid until the next
    // call of feed(). Returns the first error met; from then on the assembler only returns
    // that error (the connection cannot be resynchronised: close it).
    FrameError feed(std::span<const std::byte> bytes,
                    std::vector<std::span<const std::byte>>& frames);

    // Bytes of an unfinished frame held for the next feed().
    std::size_t buffered() const noexcept;
    // The bytes its buffer holds (its capacity): what the assembler costs in memory now.
    std::size_t capacity() const noexcept { return buffer_.capacity(); }
    // Frees the buffer and forgets any unfinished frame: the connection is over.
    void clear() noexcept;
    FrameError error() const noexcept { return error_; }
    // The size announced by the last bad header, for the log (0 if none).
    std::size_t bad_size() const noexcept { return bad_size_; }

private:
    std::size_t max_frame_;
    std::vector<std::byte> buffer_;
    std::size_t consumed_ = 0;  // bytes of buffer_ already handed out as frames
    FrameError error_ = FrameError::none;
    std::size_t bad_size_ = 0;
};

}  // namespace ch04
