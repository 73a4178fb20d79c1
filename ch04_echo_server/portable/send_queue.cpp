// ch04_echo_server/portable/send_queue.cpp: the session's coalescing, memory-bounded echo queue
// (see send_queue.h).
//
// Invariants: memory_ = sum of cost() over chunks_ and spare_; spare_memory_ = that over spare_
// alone and never above limit_ / 2 (so spare chunks alone can never hold reading paused);
// bytes_ = the chunks' sizes minus sent_of_front_; no chunk in chunks_ is empty, and
// sent_of_front_ < chunks_.front().size().
#include "send_queue.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace ch04 {

SendQueue::SendQueue(std::size_t chunk_capacity, std::size_t limit, bool reuse_buffers)
    : chunk_capacity_{chunk_capacity}, limit_{limit}, reuse_buffers_{reuse_buffers} {
    if (chunk_capacity == 0 || limit == 0) {
        throw std::invalid_argument{"SendQueue: the chunk capacity and the limit must be > 0"};
    }
    spare_.reserve(max_spare_chunks);  // keep_or_free() then never allocates
}

void SendQueue::append(std::span<const std::byte> data) {
    if (data.empty()) {
        return;
    }
    if (!chunks_.empty()) {
        std::vector<std::byte>& tail = chunks_.back();
        const std::size_t room = tail.capacity() - tail.size();
        const std::size_t take = std::min(room, data.size());
        // Within its capacity a vector never reallocates: the bytes a gathered view (an
        // in-flight send) points at stay put, and the new ones land after the view's end.
        tail.insert(tail.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
        bytes_ += take;
        data = data.subspan(take);
    }
    while (!data.empty()) {
        std::vector<std::byte> chunk = new_chunk();
        const std::size_t take = std::min(chunk.capacity(), data.size());
        chunk.insert(chunk.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
        push_chunk(std::move(chunk));
        data = data.subspan(take);
    }
}

bool SendQueue::adopt(std::vector<std::byte>&& buffer) {
    const std::size_t size = buffer.size();
    if (size > 0 && 4 * size >= buffer.capacity() && buffer.capacity() <= chunk_capacity_) {
        push_chunk(std::move(buffer));
        ++reused_;
        return true;
    }
    append(buffer);
    // A buffer from outside (take_spare() took it out of memory()) comes back as a spare only
    // while that keeps memory() within the limit: otherwise it would add to the bound.
    if (memory_ + cost(buffer) <= limit_) {
        keep_or_free(std::move(buffer));
    }
    return false;
}

std::vector<std::byte> SendQueue::take_spare() {
    if (spare_.empty()) {
        return {};
    }
    std::vector<std::byte> chunk = std::move(spare_.back());
    spare_.pop_back();
    memory_ -= cost(chunk);
    spare_memory_ -= cost(chunk);
    ++reused_;
    return chunk;
}

void SendQueue::release_spare() noexcept {
    memory_ -= spare_memory_;
    spare_memory_ = 0;
    spare_.clear();
}

void SendQueue::clear() noexcept {
    chunks_.clear();  // frees each chunk's buffer
    spare_.clear();   // the same; the list keeps its reserved room (fixed_bytes())
    sent_of_front_ = 0;
    bytes_ = 0;
    memory_ = 0;
    spare_memory_ = 0;
}

std::size_t SendQueue::gather(std::span<SendBuffer> out) const noexcept {
    std::size_t count = 0;
    std::size_t offset = sent_of_front_;
    for (auto chunk = chunks_.begin(); chunk != chunks_.end() && count < out.size();
         ++chunk, ++count) {
        out[count] = SendBuffer{chunk->data() + offset, chunk->size() - offset};
        offset = 0;
    }
    return count;
}

void SendQueue::sent(std::size_t bytes) {
    if (bytes > bytes_) {
        throw std::invalid_argument{"SendQueue::sent: more bytes than are queued"};
    }
    bytes_ -= bytes;
    sent_of_front_ += bytes;
    while (!chunks_.empty() && sent_of_front_ >= chunks_.front().size()) {
        sent_of_front_ -= chunks_.front().size();
        std::vector<std::byte> chunk = std::move(chunks_.front());
        chunks_.pop_front();
        memory_ -= cost(chunk);
        keep_or_free(std::move(chunk));
    }
}

std::size_t SendQueue::memory_bound(std::size_t largest_append) const noexcept {
    return limit_ + (largest_append / chunk_capacity_ + 1) * (chunk_capacity_ + chunk_overhead);
}

// An empty chunk with room for chunk_capacity_ bytes: a spare one, else a new allocation.
std::vector<std::byte> SendQueue::new_chunk() {
    if (!spare_.empty()) {
        return take_spare();
    }
    std::vector<std::byte> chunk;
    chunk.reserve(chunk_capacity_);  // its only allocation: nothing ever grows it past this
    return chunk;
}

void SendQueue::push_chunk(std::vector<std::byte>&& chunk) {
    const std::size_t chunk_bytes = chunk.size();
    const std::size_t chunk_cost = cost(chunk);
    chunks_.push_back(std::move(chunk));  // may throw; the queue is unchanged then
    bytes_ += chunk_bytes;
    memory_ += chunk_cost;
    peak_memory_ = std::max(peak_memory_, memory_);
}

// A chunk that left the queue (sent, or copied out by adopt()): kept as a spare when reuse is
// on, there is room, it can hold a whole chunk, and the spares stay within half the limit;
// freed otherwise.
void SendQueue::keep_or_free(std::vector<std::byte>&& chunk) noexcept {
    const std::size_t chunk_cost = cost(chunk);
    if (reuse_buffers_ && spare_.size() < max_spare_chunks && chunk.capacity() >= chunk_capacity_ &&
        spare_memory_ + chunk_cost <= limit_ / 2) {
        chunk.clear();  // keeps the capacity; whoever takes it writes its own bytes
        spare_.push_back(std::move(chunk));  // within the reserved capacity: no allocation
        spare_memory_ += chunk_cost;
        memory_ += chunk_cost;
        peak_memory_ = std::max(peak_memory_, memory_);
    }
}

}  // namespace ch04
