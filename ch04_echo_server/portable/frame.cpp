// ch04_echo_server/portable/frame.cpp: frames in and out of a byte stream (see frame.h).
#include "frame.h"

#include <stdexcept>
#include <string>

namespace ch04 {
namespace {

std::uint16_t read_u16(const std::byte* bytes) noexcept {
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(bytes[0]) |
                                      (std::to_integer<unsigned>(bytes[1]) << 8));
}

void append_u16(std::vector<std::byte>& out, std::uint16_t value) {
    out.push_back(static_cast<std::byte>(value & 0xFFu));
    out.push_back(static_cast<std::byte>(value >> 8));
}

}  // namespace

FrameHeader read_header(std::span<const std::byte, frame_header_size> bytes) noexcept {
    return {read_u16(bytes.data()), read_u16(bytes.data() + 2)};
}

void append_frame(std::vector<std::byte>& out, std::uint16_t type,
                  std::span<const std::byte> payload) {
    if (payload.size() > max_frame_size - frame_header_size) {
        throw std::length_error("a frame's payload is at most " +
                                std::to_string(max_frame_size - frame_header_size) + " bytes");
    }
    append_u16(out, static_cast<std::uint16_t>(frame_header_size + payload.size()));
    append_u16(out, type);
    out.insert(out.end(), payload.begin(), payload.end());
}

std::string_view describe(FrameError error) noexcept {
    switch (error) {
        case FrameError::none:
            return "no error";
        case FrameError::too_small:
            return "a frame's size is below its 4-byte header";
        case FrameError::too_large:
            return "a frame's size is above the largest allowed (--max-packet)";
    }
    return "?";
}

FrameAssembler::FrameAssembler(std::size_t max_frame) : max_frame_(max_frame) {
    if (max_frame < frame_header_size || max_frame > max_frame_size) {
        throw std::invalid_argument("the largest frame must be from 4 to 65535 bytes");
    }
}

// [snippet:frame_feed]
FrameError FrameAssembler::feed(std::span<const std::byte> bytes,
                                std::vector<std::span<const std::byte>>& frames) {
    if (error_ != FrameError::none) {
        return error_;
    }
    // Drop the frames handed out last time (their spans expire now), keep the unfinished one.
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    consumed_ = 0;
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    // Appending first, then cutting: every span below points into the final buffer.
    while (buffer_.size() - consumed_ >= frame_header_size) {
        const FrameHeader header = read_header(std::span<const std::byte, frame_header_size>{
            buffer_.data() + consumed_, frame_header_size});
        if (header.size < frame_header_size || header.size > max_frame_) {
            // A size of 0 would loop here for ever, and a huge one would wait for ever: both
            // end the connection instead.
            error_ =
                header.size < frame_header_size ? FrameError::too_small : FrameError::too_large;
            bad_size_ = header.size;
            return error_;
        }
        if (buffer_.size() - consumed_ < header.size) {
            break;  // not whole yet: the next receive brings the rest
        }
        frames.emplace_back(buffer_.data() + consumed_, header.size);
        consumed_ += header.size;
    }
    return FrameError::none;
}
// [/snippet]

std::size_t FrameAssembler::buffered() const noexcept {
    return buffer_.size() - consumed_;
}

void FrameAssembler::clear() noexcept {
    std::vector<std::byte>{}.swap(buffer_);  // frees it: clear() alone would keep the capacity
    consumed_ = 0;
}

}  // namespace ch04
