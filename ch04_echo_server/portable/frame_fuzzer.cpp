// ch04_echo_server/portable/frame_fuzzer.cpp: a libFuzzer target for FrameAssembler (frame.h).
//
// What it shows: a packet parser is the first code an attacker's bytes reach, so we let a fuzzer
// throw millions of streams at it, cut at random places, and check after every feed what must
// always hold. Needs clang (-fsanitize=fuzzer); built in the native preset only.
//
// Input layout (the seeds in frame_corpus/ follow it):
//   byte 0      where the stream is first cut (clamped to its length)
//   byte 1      the size of every later chunk; 0 feeds the rest at once
//   bytes 2-3   the assembler's limit, u16 little-endian, mapped onto 4..65535
//   bytes 4..   the stream
// Usage:   ch04_frame_fuzzer [-max_total_time=60] CORPUS_DIR...
// Test with: ctest -R ch04.frame_fuzz  (runs on a copy of frame_corpus/ in the build tree)
#include "frame.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace {

// Stops the fuzzer with a crash it reports and saves, as an ASan finding would.
void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

std::size_t read_u16(const std::uint8_t* bytes) {
    return static_cast<std::size_t>(bytes[0]) | static_cast<std::size_t>(bytes[1]) << 8;
}

// What a straightforward, all-at-once parse of the whole stream yields: the number of whole
// frames before the first bad header, and that header's error. The assembler must agree
// however the stream is cut.
struct Expected {
    std::size_t frame_bytes = 0;
    ch04::FrameError error = ch04::FrameError::none;
};

Expected parse_whole(std::span<const std::byte> stream, std::size_t max_frame) {
    Expected expected;
    std::size_t offset = 0;
    while (stream.size() - offset >= ch04::frame_header_size) {
        const std::size_t size = std::to_integer<std::size_t>(stream[offset]) |
                                 std::to_integer<std::size_t>(stream[offset + 1]) << 8;
        if (size < ch04::frame_header_size || size > max_frame) {
            expected.error = size < ch04::frame_header_size ? ch04::FrameError::too_small
                                                            : ch04::FrameError::too_large;
            break;
        }
        if (stream.size() - offset < size) {
            break;
        }
        offset += size;
    }
    expected.frame_bytes = offset;
    return expected;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) {
        return 0;
    }
    const std::size_t first_cut = data[0];
    const std::size_t chunk = data[1];
    const std::size_t max_frame = ch04::frame_header_size + read_u16(data + 2) % 65532;
    const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data + 4), size - 4);

    ch04::FrameAssembler assembler(max_frame);
    std::vector<std::span<const std::byte>> frames;
    std::size_t fed = 0;
    std::size_t handed_out = 0;  // bytes of the stream handed out as frames
    ch04::FrameError error = ch04::FrameError::none;
    // After the first feed (which may be empty), every feed takes at least one byte: the loop
    // ends within stream.size() + 1 rounds.
    for (bool first = true;; first = false) {
        const std::size_t want = first ? first_cut : (chunk == 0 ? stream.size() : chunk);
        const std::size_t take = std::min(want, stream.size() - fed);
        frames.clear();
        const ch04::FrameError result = assembler.feed(stream.subspan(fed, take), frames);
        fed += take;
        check(result == assembler.error());
        if (error != ch04::FrameError::none) {
            // Once an error, always that error, and nothing more handed out.
            check(result == error && frames.empty());
        }
        error = result;
        for (const auto frame : frames) {
            check(frame.size() >= ch04::frame_header_size && frame.size() <= max_frame);
            const ch04::FrameHeader header =
                ch04::read_header(frame.first<ch04::frame_header_size>());
            check(header.size == frame.size());
            // Byte for byte the stream's next frame: none lost, repeated or reordered.
            check(handed_out + frame.size() <= fed);
            check(std::memcmp(frame.data(), stream.data() + handed_out, frame.size()) == 0);
            handed_out += frame.size();
        }
        if (error == ch04::FrameError::none) {
            // Every byte fed is either handed out or held, and nothing whole is held back.
            check(handed_out + assembler.buffered() == fed);
            check(assembler.buffered() < ch04::frame_header_size ||
                  read_u16(data + 4 + handed_out) > assembler.buffered());
            check(assembler.bad_size() == 0);
        } else {
            check(assembler.bad_size() == read_u16(data + 4 + handed_out));
        }
        if (fed == stream.size()) {
            break;
        }
    }
    // However it was cut, the stream gives what parsing it whole gives.
    const Expected expected = parse_whole(stream, max_frame);
    check(handed_out == expected.frame_bytes);
    check(error == expected.error);
    return 0;
}
