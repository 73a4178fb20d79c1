// tests/ch04/portable/frame_test.cpp: the packet framing (ch04_echo_server/portable/frame.h):
// headers in and out, and FrameAssembler fed a byte stream cut in every way TCP may cut it.
#include "frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ch04::append_frame;
using ch04::frame_header_size;
using ch04::FrameAssembler;
using ch04::FrameError;
using ch04::FrameHeader;
using ch04::max_frame_size;
using Bytes = std::vector<std::byte>;
using Spans = std::vector<std::span<const std::byte>>;

Bytes bytes_of(std::string_view text) {
    Bytes out;
    for (const char c : text) {
        out.push_back(static_cast<std::byte>(c));
    }
    return out;
}

// A payload of `size` bytes that differ from frame to frame (`seed`), so a frame handed out
// twice, or bytes from the wrong place, would show.
Bytes pattern(std::size_t size, unsigned seed) {
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<std::byte>((i * 7 + seed * 31 + 1) & 0xFFu);
    }
    return out;
}

Bytes frame(std::uint16_t type, std::span<const std::byte> payload) {
    Bytes out;
    append_frame(out, type, payload);
    return out;
}

// Four bytes announcing `size`, and a type; the payload (if any) is up to the caller.
Bytes raw_header(std::uint16_t size, std::uint16_t type = 1) {
    return {static_cast<std::byte>(size & 0xFFu), static_cast<std::byte>(size >> 8),
            static_cast<std::byte>(type & 0xFFu), static_cast<std::byte>(type >> 8)};
}

Bytes concat(const std::vector<Bytes>& parts) {
    Bytes out;
    for (const Bytes& part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

// Feeds chunks and copies every frame out at once: spans expire at the next feed().
struct Collector {
    explicit Collector(std::size_t max_frame = max_frame_size) : assembler(max_frame) {}

    FrameError feed(std::span<const std::byte> bytes) {
        Spans spans;
        const FrameError error = assembler.feed(bytes, spans);
        for (const auto span : spans) {
            frames.emplace_back(span.begin(), span.end());
        }
        return error;
    }

    FrameAssembler assembler;
    std::vector<Bytes> frames;
};

// A stream that exercises both bytes of the size (300 > 255) and an empty payload.
std::vector<Bytes> sample_frames() {
    return {frame(0xABCD, pattern(1, 1)), frame(2, {}), frame(3, pattern(296, 3)),
            frame(0x0102, pattern(256, 4)), frame(5, bytes_of("hello"))};
}

TEST(FrameHeader, AppendFrameWritesSizeAndTypeLittleEndianAndReadHeaderReadsThemBack) {
    const Bytes payload = pattern(0x0123 - frame_header_size, 9);
    Bytes out = bytes_of("xy");  // append_frame appends: what is there stays
    append_frame(out, 0xBEEF, payload);
    ASSERT_EQ(out.size(), 2 + 0x0123u);
    EXPECT_EQ(out[0], std::byte{'x'});
    EXPECT_EQ(out[2], std::byte{0x23});  // size, low byte first
    EXPECT_EQ(out[3], std::byte{0x01});
    EXPECT_EQ(out[4], std::byte{0xEF});  // type, low byte first
    EXPECT_EQ(out[5], std::byte{0xBE});
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), out.begin() + 6));

    const FrameHeader header =
        ch04::read_header(std::span<const std::byte, frame_header_size>{out.data() + 2, 4});
    EXPECT_EQ(header.size, 0x0123u);
    EXPECT_EQ(header.type, 0xBEEFu);
}

TEST(FrameHeader, AnEmptyPayloadMakesAHeaderOnlyFrame) {
    const Bytes out = frame(7, {});
    ASSERT_EQ(out.size(), frame_header_size);
    const FrameHeader header = ch04::read_header(std::span<const std::byte, 4>{out.data(), 4});
    EXPECT_EQ(header.size, frame_header_size);
    EXPECT_EQ(header.type, 7u);
}

TEST(FrameHeader, ThePayloadOfAMaximumFrameFitsAndOneMoreByteThrowsLengthError) {
    Bytes out;
    append_frame(out, 1, pattern(max_frame_size - frame_header_size, 1));
    EXPECT_EQ(out.size(), max_frame_size);
    const FrameHeader header = ch04::read_header(std::span<const std::byte, 4>{out.data(), 4});
    EXPECT_EQ(header.size, max_frame_size);

    Bytes untouched = bytes_of("keep");
    EXPECT_THROW(append_frame(untouched, 1, pattern(max_frame_size - frame_header_size + 1, 1)),
                 std::length_error);
    EXPECT_EQ(untouched, bytes_of("keep"));  // nothing half-written
    EXPECT_THROW(append_frame(untouched, 1, pattern(70000, 1)), std::length_error);
}

TEST(FrameAssembler, TheConstructorAcceptsLimitsFromTheHeaderSizeToTheMaximumFrame) {
    EXPECT_THROW(FrameAssembler{0}, std::invalid_argument);
    EXPECT_THROW(FrameAssembler{frame_header_size - 1}, std::invalid_argument);
    EXPECT_THROW(FrameAssembler{max_frame_size + 1}, std::invalid_argument);
    EXPECT_NO_THROW(FrameAssembler{frame_header_size});
    EXPECT_NO_THROW(FrameAssembler{max_frame_size});
    EXPECT_NO_THROW(FrameAssembler{});
}

TEST(FrameAssembler, DescribeGivesEveryErrorItsOwnText) {
    const std::set<std::string_view> texts = {ch04::describe(FrameError::none),
                                              ch04::describe(FrameError::too_small),
                                              ch04::describe(FrameError::too_large)};
    EXPECT_EQ(texts.size(), 3u);
    for (const auto text : texts) {
        EXPECT_FALSE(text.empty());
    }
}

TEST(FrameAssembler, AFreshAssemblerHoldsNothingAndAnEmptyFeedChangesNothing) {
    FrameAssembler assembler;
    Spans frames;
    EXPECT_EQ(assembler.buffered(), 0u);
    EXPECT_EQ(assembler.error(), FrameError::none);
    EXPECT_EQ(assembler.bad_size(), 0u);
    EXPECT_EQ(assembler.feed({}, frames), FrameError::none);
    EXPECT_TRUE(frames.empty());
    EXPECT_EQ(assembler.buffered(), 0u);
}

TEST(FrameAssembler, SeveralFramesInOneFeedComeOutInOrder) {
    const std::vector<Bytes> sent = sample_frames();
    Collector collector;
    EXPECT_EQ(collector.feed(concat(sent)), FrameError::none);
    EXPECT_EQ(collector.frames, sent);
    EXPECT_EQ(collector.assembler.buffered(), 0u);
}

TEST(FrameAssembler, FeedAppendsToTheCallersVectorWithoutClearingIt) {
    FrameAssembler assembler;
    const Bytes first = frame(1, bytes_of("a"));
    Spans frames{std::span<const std::byte>(first)};
    const Bytes second = frame(2, bytes_of("bc"));
    EXPECT_EQ(assembler.feed(second, frames), FrameError::none);
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(frames[0].data(), first.data());
    EXPECT_TRUE(std::ranges::equal(frames[1], second));
}

TEST(FrameAssembler, AStreamSplitInTwoAtEveryByteGivesTheSameFrames) {
    const std::vector<Bytes> sent = sample_frames();
    const Bytes stream = concat(sent);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        SCOPED_TRACE("cut at byte " + std::to_string(cut));
        Collector collector;
        const std::span<const std::byte> all(stream);
        ASSERT_EQ(collector.feed(all.first(cut)), FrameError::none);
        ASSERT_EQ(collector.feed(all.subspan(cut)), FrameError::none);
        ASSERT_EQ(collector.frames, sent);
        ASSERT_EQ(collector.assembler.buffered(), 0u);
    }
}

TEST(FrameAssembler, AStreamFedOneByteAtATimeGivesTheSameFramesEachAtItsLastByte) {
    const std::vector<Bytes> sent = sample_frames();
    const Bytes stream = concat(sent);
    Collector collector;
    std::size_t frame_end = sent[0].size();
    std::size_t next = 0;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        ASSERT_EQ(collector.feed(std::span<const std::byte>(&stream[i], 1)), FrameError::none);
        if (i + 1 == frame_end) {
            // The frame completes with its last byte, not later.
            ASSERT_EQ(collector.frames.size(), next + 1) << "byte " << i;
            ++next;
            frame_end += next < sent.size() ? sent[next].size() : 0;
        } else {
            ASSERT_EQ(collector.frames.size(), next) << "byte " << i;
        }
    }
    EXPECT_EQ(collector.frames, sent);
    EXPECT_EQ(collector.assembler.buffered(), 0u);
}

TEST(FrameAssembler, AStreamSplitInThreeAtEveryPairOfBytesGivesTheSameFrames) {
    const std::vector<Bytes> sent = {frame(1, bytes_of("ab")), frame(2, {}),
                                     frame(0x0201, pattern(9, 2))};
    const Bytes stream = concat(sent);
    const std::span<const std::byte> all(stream);
    for (std::size_t first = 0; first <= stream.size(); ++first) {
        for (std::size_t second = first; second <= stream.size(); ++second) {
            SCOPED_TRACE("cuts at " + std::to_string(first) + " and " + std::to_string(second));
            Collector collector;
            ASSERT_EQ(collector.feed(all.first(first)), FrameError::none);
            ASSERT_EQ(collector.feed(all.subspan(first, second - first)), FrameError::none);
            ASSERT_EQ(collector.feed(all.subspan(second)), FrameError::none);
            ASSERT_EQ(collector.frames, sent);
        }
    }
}

TEST(FrameAssembler, AFrameOfExactlyTheMaximumSizeIsAccepted) {
    const Bytes big = frame(9, pattern(max_frame_size - frame_header_size, 9));
    const Bytes small = frame(10, bytes_of("z"));
    const Bytes stream = concat({big, small});
    const std::span<const std::byte> all(stream);
    // Every cut near the edges of the big frame, and a few inside it (each cut copies 64 KiB).
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i <= 8; ++i) {
        cuts.push_back(i);
        cuts.push_back(max_frame_size - 4 + i);
    }
    cuts.push_back(max_frame_size / 2);
    cuts.push_back(stream.size());
    for (const std::size_t cut : cuts) {
        SCOPED_TRACE("cut at byte " + std::to_string(cut));
        Collector collector;
        ASSERT_EQ(collector.feed(all.first(cut)), FrameError::none);
        ASSERT_EQ(collector.feed(all.subspan(cut)), FrameError::none);
        ASSERT_EQ(collector.frames, (std::vector<Bytes>{big, small}));
    }
}

TEST(FrameAssembler, AMaximumFrameFedOneByteAtATimeIsHandedOutOnce) {
    const Bytes big = frame(9, pattern(max_frame_size - frame_header_size, 5));
    Collector collector;
    for (std::size_t i = 0; i < big.size(); ++i) {
        ASSERT_EQ(collector.feed(std::span<const std::byte>(&big[i], 1)), FrameError::none);
        ASSERT_EQ(collector.assembler.buffered(), (i + 1) % big.size());
    }
    ASSERT_EQ(collector.frames.size(), 1u);
    EXPECT_EQ(collector.frames[0], big);
}

TEST(FrameAssembler, AFrameOfExactlyTheLimitIsAcceptedAndOneByteMoreIsTooLarge) {
    Collector exact(10);
    EXPECT_EQ(exact.feed(frame(1, pattern(6, 1))), FrameError::none);
    EXPECT_EQ(exact.frames.size(), 1u);

    Collector over(10);
    EXPECT_EQ(over.feed(frame(1, pattern(7, 1))), FrameError::too_large);
    EXPECT_TRUE(over.frames.empty());
    EXPECT_EQ(over.assembler.error(), FrameError::too_large);
    EXPECT_EQ(over.assembler.bad_size(), 11u);

    Collector header_only(frame_header_size);  // the smallest limit allows empty payloads only
    EXPECT_EQ(header_only.feed(concat({frame(1, {}), frame(2, {})})), FrameError::none);
    EXPECT_EQ(header_only.frames.size(), 2u);
    EXPECT_EQ(header_only.feed(frame(3, bytes_of("x"))), FrameError::too_large);
    EXPECT_EQ(header_only.assembler.bad_size(), 5u);
}

TEST(FrameAssembler, SizesBelowTheHeaderAreTooSmallAndNeverLoop) {
    for (const std::uint16_t size :
         {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{2}, std::uint16_t{3}}) {
        SCOPED_TRACE("size " + std::to_string(size));
        Collector collector;
        // Plenty of bytes behind the header: a parser that loops on a zero size would spin.
        EXPECT_EQ(collector.feed(concat({raw_header(size), pattern(64, 0)})),
                  FrameError::too_small);
        EXPECT_TRUE(collector.frames.empty());
        EXPECT_EQ(collector.assembler.error(), FrameError::too_small);
        EXPECT_EQ(collector.assembler.bad_size(), size);
    }
}

TEST(FrameAssembler, ABadSizeIsReportedOnceTheHeaderIsWholeWithoutWaitingForThePayload) {
    Collector small;
    const Bytes header = raw_header(3);
    EXPECT_EQ(small.feed(std::span<const std::byte>(header).first(3)), FrameError::none);
    EXPECT_EQ(small.assembler.buffered(), 3u);
    EXPECT_EQ(small.feed(std::span<const std::byte>(header).subspan(3)), FrameError::too_small);

    Collector large(100);
    EXPECT_EQ(large.feed(raw_header(101)), FrameError::too_large);  // no payload yet
    EXPECT_EQ(large.assembler.bad_size(), 101u);

    Collector largest(1000);
    EXPECT_EQ(largest.feed(raw_header(0xFFFF)), FrameError::too_large);
    EXPECT_EQ(largest.assembler.bad_size(), 0xFFFFu);
}

TEST(FrameAssembler, FramesBeforeABadHeaderInTheSameFeedAreStillHandedOut) {
    const Bytes good = frame(1, bytes_of("ok"));
    Collector collector;
    EXPECT_EQ(collector.feed(concat({good, raw_header(0), good})), FrameError::too_small);
    EXPECT_EQ(collector.frames, std::vector<Bytes>{good});
}

TEST(FrameAssembler, AfterAnErrorEveryFeedReturnsItAndAppendsNothing) {
    const Bytes good = frame(1, bytes_of("fine"));
    Collector collector(50);
    EXPECT_EQ(collector.feed(raw_header(51)), FrameError::too_large);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(collector.feed(good), FrameError::too_large);
        EXPECT_EQ(collector.feed({}), FrameError::too_large);
        EXPECT_EQ(collector.feed(raw_header(0)), FrameError::too_large);  // the first error stays
    }
    EXPECT_TRUE(collector.frames.empty());
    EXPECT_EQ(collector.assembler.error(), FrameError::too_large);
    EXPECT_EQ(collector.assembler.bad_size(), 51u);
}

TEST(FrameAssembler, BufferedCountsTheBytesOfTheUnfinishedFrame) {
    const Bytes first = frame(1, pattern(6, 1));    // 10 bytes
    const Bytes second = frame(2, pattern(20, 2));  // 24 bytes
    const Bytes stream = concat({first, second});
    const std::span<const std::byte> all(stream);
    Collector collector;
    collector.feed(all.first(2));  // half a header
    EXPECT_EQ(collector.assembler.buffered(), 2u);
    collector.feed(all.subspan(2, 5));  // the header and 3 bytes of payload
    EXPECT_EQ(collector.assembler.buffered(), 7u);
    collector.feed(all.subspan(7, 5));  // the first frame ends, 2 bytes of the second
    EXPECT_EQ(collector.frames.size(), 1u);
    EXPECT_EQ(collector.assembler.buffered(), 2u);
    collector.feed(all.subspan(12));
    EXPECT_EQ(collector.frames.size(), 2u);
    EXPECT_EQ(collector.assembler.buffered(), 0u);
}

TEST(FrameAssembler, CapacityIsWhatItsBufferHoldsAndClearFreesIt) {
    Collector collector;
    EXPECT_EQ(collector.assembler.capacity(), 0u);
    const Bytes whole = frame(1, pattern(100, 1));
    collector.feed(std::span<const std::byte>(whole).first(50));  // unfinished: kept
    EXPECT_GE(collector.assembler.capacity(), 50u);
    collector.assembler.clear();
    EXPECT_EQ(collector.assembler.capacity(), 0u);
    EXPECT_EQ(collector.assembler.buffered(), 0u);
}

TEST(FrameAssembler, SpansStayValidUntilTheNextFeed) {
    const Bytes a = frame(1, pattern(40, 1));
    const Bytes b = frame(2, pattern(50, 2));
    const Bytes partial = frame(3, pattern(500, 3));
    const Bytes stream = concat({a, b, partial});
    const std::size_t first_receive = a.size() + b.size() + 100;
    FrameAssembler assembler;
    Spans frames;
    // Two whole frames and the start of a third, in a receive buffer the server reuses.
    Bytes receive_buffer(stream.begin(), stream.begin() + first_receive);
    ASSERT_EQ(assembler.feed(receive_buffer, frames), FrameError::none);
    ASSERT_EQ(frames.size(), 2u);
    std::ranges::fill(receive_buffer, std::byte{0xEE});  // the next receive overwrites it
    // The spans point into the assembler, so they survive that, and the const calls.
    EXPECT_EQ(assembler.buffered(), 100u);
    EXPECT_EQ(assembler.error(), FrameError::none);
    EXPECT_TRUE(std::ranges::equal(frames[0], a));
    EXPECT_TRUE(std::ranges::equal(frames[1], b));
    // What a server keeps beyond the next feed, it copies first.
    const Bytes kept(frames[1].begin(), frames[1].end());
    frames.clear();
    ASSERT_EQ(assembler.feed(std::span<const std::byte>(stream).subspan(first_receive), frames),
              FrameError::none);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_TRUE(std::ranges::equal(frames[0], partial));
    EXPECT_EQ(kept, b);
}

// Random frames (sizes skewed small, now and then large), cut into random chunks, including
// empty ones: the frames come out unchanged. A fixed seed makes any failure repeatable.
TEST(FrameAssemblerRandom, RandomFramesInRandomChunksComeOutUnchanged) {
    std::mt19937 random(20240604);
    for (int round = 0; round < 300; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 30)(random);
        std::vector<Bytes> sent;
        std::size_t largest = frame_header_size;
        for (std::size_t i = 0; i < count; ++i) {
            const bool large = std::uniform_int_distribution<int>(0, 20)(random) == 0;
            const std::size_t payload = std::uniform_int_distribution<std::size_t>(
                0, large ? max_frame_size - frame_header_size : 300)(random);
            const auto type = static_cast<std::uint16_t>(random() & 0xFFFFu);
            sent.push_back(frame(type, pattern(payload, static_cast<unsigned>(random()))));
            largest = std::max(largest, sent.back().size());
        }
        // A limit anywhere from the largest frame sent to the protocol's maximum.
        const std::size_t limit =
            std::uniform_int_distribution<std::size_t>(largest, max_frame_size)(random);
        const Bytes stream = concat(sent);
        // Now and then the stream stops inside the last frame: all but that one come out.
        const std::size_t cut_short =
            count > 0 && random() % 4 == 0
                ? std::uniform_int_distribution<std::size_t>(1, sent.back().size() - 1)(random)
                : 0;
        const std::span<const std::byte> all =
            std::span<const std::byte>(stream).first(stream.size() - cut_short);

        Collector collector(limit);
        const std::size_t chunk_max = std::uniform_int_distribution<std::size_t>(1, 2000)(random);
        std::size_t offset = 0;
        // Bounded: at most one empty feed per non-empty one, and each non-empty one advances.
        bool last_was_empty = false;
        while (offset < all.size()) {
            std::size_t chunk = std::uniform_int_distribution<std::size_t>(0, chunk_max)(random);
            if (chunk == 0 && last_was_empty) {
                chunk = 1;
            }
            chunk = std::min(chunk, all.size() - offset);
            last_was_empty = chunk == 0;
            ASSERT_EQ(collector.feed(all.subspan(offset, chunk)), FrameError::none);
            offset += chunk;
        }
        if (cut_short != 0) {
            EXPECT_EQ(collector.assembler.buffered(), sent.back().size() - cut_short);
            sent.pop_back();
        } else {
            EXPECT_EQ(collector.assembler.buffered(), 0u);
        }
        ASSERT_EQ(collector.frames, sent);
    }
}

// A bad header at a random frame boundary, in a stream fed in random chunks: the frames before
// it come out, then the error, whatever the chunking; the bytes after it are never looked at.
TEST(FrameAssemblerRandom, ABadHeaderAnywhereStopsTheStreamAtThatFrame) {
    std::mt19937 random(4242);
    for (int round = 0; round < 300; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        const std::size_t limit = std::uniform_int_distribution<std::size_t>(4, 400)(random);
        std::vector<Bytes> sent;
        const std::size_t count = std::uniform_int_distribution<std::size_t>(0, 10)(random);
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t payload =
                std::uniform_int_distribution<std::size_t>(0, limit - frame_header_size)(random);
            sent.push_back(frame(static_cast<std::uint16_t>(i),
                                 pattern(payload, static_cast<unsigned>(round))));
        }
        const bool too_small = random() % 2 == 0;
        const auto bad_size = static_cast<std::uint16_t>(
            too_small ? std::uniform_int_distribution<std::size_t>(0, 3)(random)
                      : std::uniform_int_distribution<std::size_t>(limit + 1, 0xFFFF)(random));
        const Bytes stream =
            concat({concat(sent), raw_header(bad_size), frame(1, bytes_of("after"))});
        const std::span<const std::byte> all(stream);

        Collector collector(limit);
        FrameError last = FrameError::none;
        for (std::size_t offset = 0; offset < all.size();) {
            const std::size_t chunk = std::min(
                std::uniform_int_distribution<std::size_t>(1, 64)(random), all.size() - offset);
            const FrameError error = collector.feed(all.subspan(offset, chunk));
            // Once an error comes, it stays.
            ASSERT_TRUE(last == FrameError::none || error == last);
            last = error;
            offset += chunk;
        }
        EXPECT_EQ(last, too_small ? FrameError::too_small : FrameError::too_large);
        EXPECT_EQ(collector.assembler.error(), last);
        EXPECT_EQ(collector.assembler.bad_size(), bad_size);
        EXPECT_EQ(collector.frames, sent);
    }
}

}  // namespace
