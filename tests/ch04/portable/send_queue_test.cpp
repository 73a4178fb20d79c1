// tests/ch04/portable/send_queue_test.cpp: the session's echo queue
// (ch04_echo_server/portable/send_queue.h): order and content through partial sends, coalescing,
// views that survive appends, the memory bound a never-reading client meets, and buffer reuse.
#include "send_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

namespace {

using ch04::chunk_overhead;
using ch04::max_spare_chunks;
using ch04::SendBuffer;
using ch04::SendQueue;
using Bytes = std::vector<std::byte>;

constexpr std::size_t chunk = 16384;        // the server's receive size
constexpr std::size_t limit = 1024 * 1024;  // --max-pending-bytes

// `size` bytes that continue a running pattern from `*next`, so bytes out of order, lost or
// repeated show in a byte-for-byte comparison.
Bytes continued_pattern(std::size_t size, std::uint32_t& next) {
    Bytes out(size);
    for (std::byte& b : out) {
        b = static_cast<std::byte>((next * 2654435761u) >> 24);
        ++next;
    }
    return out;
}

// What a send of everything gather() names would carry, concatenated.
Bytes bytes_of(std::span<const SendBuffer> views) {
    Bytes out;
    for (const SendBuffer& view : views) {
        out.insert(out.end(), view.data, view.data + view.size);
    }
    return out;
}

std::size_t total(std::span<const SendBuffer> views) {
    std::size_t sum = 0;
    for (const SendBuffer& view : views) {
        sum += view.size;
    }
    return sum;
}

// A send that completes with `bytes` of what the queue gathered: they are appended to `out`.
void send_some(SendQueue& queue, std::size_t bytes, Bytes& out) {
    std::array<SendBuffer, 64> views{};
    const std::size_t count = queue.gather(views);
    const Bytes gathered = bytes_of(std::span{views}.first(count));
    ASSERT_LE(bytes, gathered.size());
    out.insert(out.end(), gathered.begin(), gathered.begin() + static_cast<std::ptrdiff_t>(bytes));
    queue.sent(bytes);
}

TEST(SendQueue, RejectsAZeroChunkCapacityOrLimit) {
    EXPECT_THROW(SendQueue(0, limit), std::invalid_argument);
    EXPECT_THROW(SendQueue(chunk, 0), std::invalid_argument);
}

TEST(SendQueue, StartsEmptyAndGathersNothing) {
    const SendQueue queue{chunk, limit};
    std::array<SendBuffer, 4> views{};
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(queue.gather(views), 0u);
    EXPECT_EQ(queue.memory(), 0u);
    EXPECT_FALSE(queue.full());
    EXPECT_TRUE(queue.drained());
}

// The heart of it: whatever the append sizes and however each send is cut short, what goes out
// is what came in, byte for byte, in order; with and without reuse, with adopted buffers too.
TEST(SendQueue, KeepsOrderAndContentThroughRandomAppendsAndPartialSends) {
    for (const bool reuse : {false, true}) {
        std::mt19937 random{reuse ? 15u : 4u};
        SendQueue queue{1000, 64 * 1024, reuse};
        std::uint32_t next = 0;
        Bytes in;
        Bytes out;
        for (int step = 0; step < 5000; ++step) {
            const unsigned action = random() % 4;
            if (action == 0 && !queue.empty()) {
                std::array<SendBuffer, 64> views{};
                const std::size_t count =
                    queue.gather(std::span{views}.first(1 + random() % views.size()));
                const std::size_t gathered = total(std::span{views}.first(count));
                send_some(queue, random() % (gathered + 1), out);
            } else if (action == 1) {
                Bytes buffer = queue.take_spare();
                buffer.reserve(1000);
                const Bytes data = continued_pattern(1 + random() % 1000, next);
                buffer.assign(data.begin(), data.end());
                in.insert(in.end(), data.begin(), data.end());
                queue.adopt(std::move(buffer));
            } else {
                const std::size_t size = random() % 3 == 0 ? random() % 3000 : random() % 8;
                const Bytes data = continued_pattern(size, next);
                in.insert(in.end(), data.begin(), data.end());
                queue.append(data);
            }
            ASSERT_EQ(queue.bytes(), in.size() - out.size());
            ASSERT_LE(queue.spare_chunks(), max_spare_chunks);
        }
        while (!queue.empty()) {
            send_some(queue, 1 + random() % queue.bytes(), out);
        }
        EXPECT_EQ(out, in) << "reuse " << reuse;
        EXPECT_EQ(queue.chunks(), 0u);
        EXPECT_EQ(queue.memory(), queue.spare_chunks() * (1000 + chunk_overhead));
    }
}

TEST(SendQueue, CoalescesFourThousandFourByteEchoesIntoOneChunk) {
    SendQueue queue{chunk, limit};
    std::uint32_t next = 0;
    for (int frame = 0; frame < 4096; ++frame) {
        queue.append(continued_pattern(4, next));
    }
    EXPECT_EQ(queue.bytes(), 16384u);
    EXPECT_EQ(queue.chunks(), 1u);  // one vector per frame before issue #15: 4096
    EXPECT_EQ(queue.memory(), chunk + chunk_overhead);
    queue.append(continued_pattern(1, next));
    EXPECT_EQ(queue.chunks(), 2u);
}

TEST(SendQueue, SplitsALargeAppendIntoWholeChunks) {
    SendQueue queue{chunk, limit};
    std::uint32_t next = 0;
    const Bytes data = continued_pattern(3 * chunk + 5, next);
    queue.append(data);
    std::array<SendBuffer, 8> views{};
    ASSERT_EQ(queue.gather(views), 4u);
    EXPECT_EQ(views[0].size, chunk);
    EXPECT_EQ(views[3].size, 5u);
    EXPECT_EQ(bytes_of(std::span{views}.first(4)), data);
    EXPECT_EQ(queue.memory(), 4 * (chunk + chunk_overhead));
}

TEST(SendQueue, GathersAtMostTheViewsGivenTheFirstFromThePartialSendOffset) {
    SendQueue queue{100, limit};
    std::uint32_t next = 0;
    const Bytes data = continued_pattern(350, next);
    queue.append(data);
    queue.sent(30);
    std::array<SendBuffer, 2> views{};
    ASSERT_EQ(queue.gather(views), 2u);
    EXPECT_EQ(views[0].size, 70u);
    EXPECT_EQ(views[0].data[0], data[30]);
    EXPECT_EQ(views[1].size, 100u);
    EXPECT_EQ(views[1].data[0], data[100]);
}

// An in-flight WSASend points into the chunks: echo queued meanwhile (into the tail's spare
// room, and into new chunks) must neither move nor change the bytes it names.
TEST(SendQueue, KeepsGatheredViewsValidAcrossAppends) {
    SendQueue queue{chunk, limit};
    std::uint32_t next = 0;
    const Bytes first =
        continued_pattern(chunk + 100, next);  // a full chunk and a tail with spare room
    queue.append(first);
    std::array<SendBuffer, 8> views{};
    const std::size_t count = queue.gather(views);
    ASSERT_EQ(count, 2u);
    const std::array<SendBuffer, 2> before{views[0], views[1]};

    const Bytes later = continued_pattern(10 * chunk + 3, next);
    for (std::size_t at = 0; at < later.size(); at += 7) {
        const std::size_t size = std::min<std::size_t>(7, later.size() - at);
        queue.append(std::span{later}.subspan(at, size));
    }
    EXPECT_EQ(bytes_of(before), first);  // same pointers, same bytes (ASan: still allocated)

    queue.sent(total(before));  // the send completes with what it was given
    Bytes out;
    while (!queue.empty()) {
        send_some(queue, queue.bytes(), out);
    }
    EXPECT_EQ(out, later);
}

struct NeverReadingClient {
    const char* name;
    std::size_t write_size;
};

// A client that sends and never reads: the server appends each echo until full(), then stops
// reading. memory() stays within memory_bound(write size) whatever the size of the writes, and
// most of it is payload (no per-frame allocation).
TEST(SendQueue, HoldsTheMemoryBoundForAClientThatNeverReads) {
    const std::array<NeverReadingClient, 4> clients{{
        {"4-byte frames", 4},
        {"1-byte writes", 1},
        {"chunk-sized writes", chunk},
        {"large writes", 3 * chunk + 7},
    }};
    for (const NeverReadingClient& client : clients) {
        SCOPED_TRACE(client.name);
        SendQueue queue{chunk, limit};
        std::uint32_t next = 0;
        std::size_t appends = 0;
        while (!queue.full()) {
            queue.append(continued_pattern(client.write_size, next));
            ++appends;
        }
        EXPECT_GE(queue.memory(), limit);
        EXPECT_LE(queue.memory(), queue.memory_bound(client.write_size));
        EXPECT_EQ(queue.memory_bound(client.write_size),
                  limit + (client.write_size / chunk + 1) * (chunk + chunk_overhead));
        EXPECT_EQ(queue.peak_memory(), queue.memory());
        EXPECT_EQ(queue.bytes(), appends * client.write_size);
        // Payload, not bookkeeping: all but the tail chunk's spare room and the overhead.
        EXPECT_GE(queue.bytes() + chunk + queue.chunks() * chunk_overhead, queue.memory());
    }
}

TEST(SendQueue, HoldsTheMemoryBoundWhenReceiveBuffersAreAdopted) {
    for (const std::size_t fill : {chunk / 4, chunk / 2, chunk}) {
        SCOPED_TRACE(fill);
        SendQueue queue{chunk, limit, true};
        std::uint32_t next = 0;
        while (!queue.full()) {
            Bytes buffer = queue.take_spare();
            buffer.reserve(chunk);
            const Bytes data = continued_pattern(fill, next);
            buffer.assign(data.begin(), data.end());
            EXPECT_TRUE(queue.adopt(std::move(buffer)));
        }
        EXPECT_LE(queue.memory(), queue.memory_bound(fill));
    }
}

TEST(SendQueue, StopsReadingAtTheLimitAndResumesAtHalf) {
    SendQueue queue{1000, 10 * (1000 + chunk_overhead)};
    std::uint32_t next = 0;
    queue.append(continued_pattern(10 * 1000, next));
    EXPECT_TRUE(queue.full());
    EXPECT_FALSE(queue.drained());
    queue.sent(4 * 1000);  // six chunks left: above half
    EXPECT_FALSE(queue.full());
    EXPECT_FALSE(queue.drained());
    queue.sent(1);  // a partial send frees nothing
    EXPECT_FALSE(queue.drained());
    queue.sent(999);  // five chunks: exactly half
    EXPECT_TRUE(queue.drained());
}

TEST(SendQueue, FreesSentChunksWithoutReuse) {
    SendQueue queue{1000, limit};
    std::uint32_t next = 0;
    queue.append(continued_pattern(5000, next));
    queue.sent(5000);
    EXPECT_EQ(queue.spare_chunks(), 0u);
    EXPECT_EQ(queue.memory(), 0u);
    EXPECT_EQ(queue.peak_memory(), 5 * (1000 + chunk_overhead));
}

TEST(SendQueue, KeepsAtMostFourSentChunksForReuseAndCountsThem) {
    SendQueue queue{1000, limit, true};
    std::uint32_t next = 0;
    queue.append(continued_pattern(6000, next));
    queue.sent(6000);
    EXPECT_EQ(queue.spare_chunks(), max_spare_chunks);
    EXPECT_EQ(queue.memory(), max_spare_chunks * (1000 + chunk_overhead));

    const std::size_t before = queue.memory();
    queue.append(continued_pattern(2500, next));  // three chunks, all taken from the spares
    EXPECT_EQ(queue.memory(), before);
    EXPECT_EQ(queue.spare_chunks(), 1u);
    EXPECT_EQ(queue.reused(), 3u);
}

TEST(SendQueue, KeepsSpareChunksWithinHalfTheLimit) {
    SendQueue queue{1000, 2500, true};  // half the limit holds one chunk of 1064 bytes
    std::uint32_t next = 0;
    queue.append(continued_pattern(3000, next));
    queue.sent(3000);
    EXPECT_EQ(queue.spare_chunks(), 1u);
    EXPECT_TRUE(queue.drained());
    EXPECT_FALSE(queue.full());
}

TEST(SendQueue, AdoptsAQuarterFullBufferWithoutCopying) {
    SendQueue queue{chunk, limit, true};
    std::uint32_t next = 0;
    Bytes buffer;
    buffer.reserve(chunk);
    const Bytes data = continued_pattern(chunk / 4, next);
    buffer.assign(data.begin(), data.end());
    const std::byte* const where = buffer.data();
    EXPECT_TRUE(queue.adopt(std::move(buffer)));
    std::array<SendBuffer, 2> views{};
    ASSERT_EQ(queue.gather(views), 1u);
    EXPECT_EQ(views[0].data, where);  // the same bytes, not a copy
    EXPECT_EQ(bytes_of(std::span{views}.first(1)), data);
    EXPECT_EQ(queue.memory(), chunk + chunk_overhead);
    EXPECT_EQ(queue.reused(), 1u);

    queue.append(continued_pattern(10, next));  // coalesces into the adopted buffer's spare room
    EXPECT_EQ(queue.chunks(), 1u);
}

TEST(SendQueue, CopiesALessThanQuarterFullBufferAndKeepsItAsASpare) {
    SendQueue queue{chunk, limit, true};
    std::uint32_t next = 0;
    queue.append(continued_pattern(100, next));  // a tail with room
    Bytes buffer;
    buffer.reserve(chunk);
    const Bytes data = continued_pattern(chunk / 4 - 1, next);
    buffer.assign(data.begin(), data.end());
    const std::byte* const where = buffer.data();
    EXPECT_FALSE(queue.adopt(std::move(buffer)));
    EXPECT_EQ(queue.chunks(), 1u);  // copied into the tail
    EXPECT_EQ(queue.bytes(), 100 + data.size());
    EXPECT_EQ(queue.spare_chunks(), 1u);
    EXPECT_EQ(queue.memory(), 2 * (chunk + chunk_overhead));
    const Bytes taken = queue.take_spare();
    EXPECT_EQ(taken.data(), where);  // the same buffer, back for the next receive
    EXPECT_TRUE(taken.empty());
    EXPECT_GE(taken.capacity(), chunk);
    EXPECT_EQ(queue.memory(), chunk + chunk_overhead);
}

// A buffer from outside comes back as a spare only while memory() stays within the limit:
// otherwise a never-reading client's adopts would add a chunk each beyond the stated bound.
TEST(SendQueue, FreesACopiedBufferThatWouldTakeMemoryPastTheLimit) {
    SendQueue queue{1000, 3000, true};
    std::uint32_t next = 0;
    queue.append(
        continued_pattern(1900, next));  // two chunks (2128 bytes), 100 bytes of room in the tail
    Bytes buffer;
    buffer.reserve(1000);
    const Bytes data = continued_pattern(50, next);
    buffer.assign(data.begin(), data.end());
    EXPECT_FALSE(queue.adopt(std::move(buffer)));  // copied into the tail
    EXPECT_EQ(queue.spare_chunks(), 0u);           // 2128 + 1064 would pass 3000
    EXPECT_EQ(queue.memory(), 2 * (1000 + chunk_overhead));
}

TEST(SendQueue, CopiesABufferBiggerThanAChunk) {
    SendQueue queue{1000, limit};
    std::uint32_t next = 0;
    Bytes buffer = continued_pattern(1500, next);
    EXPECT_FALSE(queue.adopt(std::move(buffer)));
    EXPECT_EQ(queue.chunks(), 2u);
    EXPECT_EQ(queue.memory(), 2 * (1000 + chunk_overhead));
}

TEST(SendQueue, TakesNoSpareWhenThereIsNone) {
    SendQueue queue{chunk, limit, true};
    EXPECT_EQ(queue.take_spare().capacity(), 0u);
    EXPECT_EQ(queue.reused(), 0u);
}

TEST(SendQueue, ReleasesItsSpareChunks) {
    SendQueue queue{1000, limit, true};
    std::uint32_t next = 0;
    queue.append(continued_pattern(3500, next));
    queue.sent(3000);
    ASSERT_EQ(queue.spare_chunks(), 3u);
    queue.release_spare();
    EXPECT_EQ(queue.spare_chunks(), 0u);
    EXPECT_EQ(queue.memory(), 1000 + chunk_overhead);  // the chunk still queued
}

// buffer_bytes() is what the server's held_buffer_bytes gauge adds up: the chunks' capacities,
// queued and spare, without the overhead memory() estimates.
TEST(SendQueue, CountsTheBytesItsBuffersHoldQueuedAndSpare) {
    SendQueue queue{1000, limit, true};
    EXPECT_EQ(queue.buffer_bytes(), 0u);
    std::uint32_t next = 0;
    queue.append(continued_pattern(3500, next));  // four chunks
    EXPECT_EQ(queue.buffer_bytes(), 4000u);
    queue.sent(3000);  // three sent, kept as spares
    EXPECT_EQ(queue.buffer_bytes(), 4000u);
    const Bytes taken = queue.take_spare();  // out of the queue: the caller holds it now
    EXPECT_EQ(queue.buffer_bytes(), 3000u);
    queue.release_spare();
    EXPECT_EQ(queue.buffer_bytes(), 1000u);
    EXPECT_EQ(queue.buffer_bytes() + queue.chunks() * chunk_overhead, queue.memory());
}

TEST(SendQueue, ClearFreesEveryChunkQueuedAndSpare) {
    SendQueue queue{1000, limit, true};
    std::uint32_t next = 0;
    queue.append(continued_pattern(5500, next));
    queue.sent(2500);  // two spares, a partial send into the third chunk
    ASSERT_GT(queue.spare_chunks(), 0u);
    queue.clear();
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(queue.chunks(), 0u);
    EXPECT_EQ(queue.spare_chunks(), 0u);
    EXPECT_EQ(queue.memory(), 0u);
    EXPECT_EQ(queue.buffer_bytes(), 0u);
    queue.append(continued_pattern(10, next));  // still usable, from the start of a new chunk
    std::array<SendBuffer, 2> views{};
    ASSERT_EQ(queue.gather(views), 1u);
    EXPECT_EQ(views[0].size, 10u);
}

TEST(SendQueue, RejectsASendOfMoreThanIsQueued) {
    SendQueue queue{chunk, limit};
    std::uint32_t next = 0;
    queue.append(continued_pattern(10, next));
    EXPECT_THROW(queue.sent(11), std::invalid_argument);
    EXPECT_EQ(queue.bytes(), 10u);
}

}  // namespace
