// ch04_echo_server/portable/send_queue.h: a session's echo queue (portable: no windows.h).
//
// What the server has received and not yet sent back, in order, bounded by what it really
// costs in memory. Bytes are copied into chunks of a fixed capacity (the receive size), small
// echoes COALESCING into the tail chunk's spare room, so 4096 four-byte frames take one 16 KiB
// chunk, not 4096 vectors. memory() charges each chunk its capacity plus chunk_overhead, and
// counts the spare chunks kept for reuse: that is what back-pressure compares with the limit.
//
// Use (under the session's lock; the queue itself is not thread-safe):
//     if (!queue.full()) { queue.append(echo); }  // else: pause reading
//     n = queue.gather(views);   // map views to WSABUFs, WSASend them
//     ...completion: queue.sent(bytes); if (paused && queue.drained()) { resume reading }
// The bytes gather() names stay put until sent() has counted them: appends in between never
// move or overwrite them, so an in-flight WSASend may point into any chunk.
//
// The bound: when appends stop at full(), memory() <= memory_bound(largest append). Before the
// last append memory() < limit; that append fills the tail's spare room (free) and at most
// largest / chunk_capacity + 1 new chunks, each chunk_capacity + chunk_overhead. An adopt()
// adds one chunk at most (see adopt()), so the same bound holds for it with its bytes.
#pragma once
#include <cstddef>
#include <deque>
#include <span>
#include <vector>

namespace ch04 {

// One contiguous piece of a send, for a WSABUF: {len = size, buf = data}.
struct SendBuffer {
    const std::byte* data = nullptr;
    std::size_t size = 0;
};

// What one chunk costs beyond its capacity: the std::vector in the deque's block (24 bytes on
// 64-bit) and the heap allocator's header and rounding (16-32 bytes in glibc's malloc and the
// Windows heap), rounded up. An estimate; a chunk of 16 KiB makes its error negligible, and
// coalescing keeps chunks full, so 4-byte echoes never pay it per frame.
inline constexpr std::size_t chunk_overhead = 64;
static_assert(sizeof(std::vector<std::byte>) + 32 <= chunk_overhead);

// --reuse-buffers: sent chunks kept for later echo and receives, at most this many.
inline constexpr std::size_t max_spare_chunks = 4;

class SendQueue {
public:
    // `chunk_capacity`: bytes per chunk (the receive size); `limit`: the memory at which
    // full() stops reading (--max-pending-bytes); `reuse_buffers`: keep up to 4 sent chunks
    // (--reuse-buffers). Both sizes must be > 0 (std::invalid_argument otherwise).
    SendQueue(std::size_t chunk_capacity, std::size_t limit, bool reuse_buffers = false);

    // Copies `data` to the end: first into the tail chunk's spare room, then into new chunks
    // (spare ones first). Never moves a byte already queued. May throw std::bad_alloc, after
    // which the queue holds a prefix of `data` (still in order) and stays consistent.
    void append(std::span<const std::byte> data);

    // Queues a receive buffer's bytes (its size()): the vector itself becomes a chunk, no copy,
    // when it is at least a quarter full (4 * size() >= capacity()) and no bigger than a chunk,
    // so it costs at most 4 times its bytes and never more than a new chunk; otherwise its
    // bytes are appended (copied) and the vector is kept as a spare chunk (with reuse) or freed.
    // Returns true when it was taken whole. The vector is consumed either way.
    bool adopt(std::vector<std::byte>&& buffer);

    // A buffer for the next receive: a spare chunk (empty, its capacity kept), or an empty
    // vector when there is none. It leaves memory(); adopt() brings it back.
    std::vector<std::byte> take_spare();
    // Frees the spare chunks (zero-byte receive mode, when the session is idle).
    void release_spare() noexcept;
    // Frees every chunk, queued and spare: the queue is empty and holds no buffer. Only once no
    // send is in flight (nothing gather() named is still in use): the session is over.
    void clear() noexcept;

    // Fills `out` with views of the next bytes to send, one per chunk, the first starting where
    // the last partial send stopped; returns how many it filled (0 when empty).
    std::size_t gather(std::span<SendBuffer> out) const noexcept;
    // A send completed with `bytes` (at most what the gather that named them held): advances
    // past them and drops, or keeps as spare, each chunk wholly sent. std::invalid_argument
    // when `bytes` > bytes().
    void sent(std::size_t bytes);

    // Back-pressure: stop reading at full(), resume at drained() (half the limit), as the
    // server did with max_pending_bytes and max_pending_bytes / 2.
    bool full() const noexcept { return memory_ >= limit_; }
    bool drained() const noexcept { return memory_ <= limit_ / 2; }
    // The most memory() reaches when appends of at most `largest_append` bytes stop at full().
    std::size_t memory_bound(std::size_t largest_append) const noexcept;

    bool empty() const noexcept { return bytes_ == 0; }
    std::size_t bytes() const noexcept { return bytes_; }    // payload queued, not yet sent
    std::size_t memory() const noexcept { return memory_; }  // chunks + spare chunks
    // The bytes its buffers hold: the capacities of its chunks and spare chunks, exactly
    // (memory() less each chunk's estimated chunk_overhead).
    std::size_t buffer_bytes() const noexcept {
        return memory_ - chunk_overhead * (chunks_.size() + spare_.size());
    }
    // What every queue allocates once, at construction, at a fixed size: its spare list's
    // room (std::deque's own blocks are the library's and not counted).
    static constexpr std::size_t fixed_bytes() noexcept {
        return max_spare_chunks * sizeof(std::vector<std::byte>);
    }
    std::size_t peak_memory() const noexcept { return peak_memory_; }
    std::size_t chunks() const noexcept { return chunks_.size(); }
    std::size_t spare_chunks() const noexcept { return spare_.size(); }
    // Chunks taken from the spare list or adopted without a copy (the server's buffers_reused).
    std::size_t reused() const noexcept { return reused_; }
    std::size_t chunk_capacity() const noexcept { return chunk_capacity_; }
    std::size_t limit() const noexcept { return limit_; }

private:
    static std::size_t cost(const std::vector<std::byte>& chunk) noexcept {
        return chunk.capacity() + chunk_overhead;
    }
    std::vector<std::byte> new_chunk();
    void push_chunk(std::vector<std::byte>&& chunk);
    void keep_or_free(std::vector<std::byte>&& chunk) noexcept;

    std::size_t chunk_capacity_;
    std::size_t limit_;
    bool reuse_buffers_;
    // Each chunk is a vector reserved at creation and never grown past its capacity, so its
    // bytes never move; the deque never moves them either (the elements' heap buffers stay
    // where they are when the deque grows or pops), so a gathered view stays valid.
    std::deque<std::vector<std::byte>> chunks_;
    std::vector<std::vector<std::byte>> spare_;
    std::size_t sent_of_front_ = 0;  // bytes of the front chunk already sent
    std::size_t bytes_ = 0;
    std::size_t memory_ = 0;
    std::size_t spare_memory_ = 0;
    std::size_t peak_memory_ = 0;
    std::size_t reused_ = 0;
};

}  // namespace ch04
