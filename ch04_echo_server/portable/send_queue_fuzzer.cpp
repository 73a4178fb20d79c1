// ch04_echo_server/portable/send_queue_fuzzer.cpp: a libFuzzer target for SendQueue
// (send_queue.h).
//
// What it shows: the queue's bookkeeping (partial sends, coalescing into a chunk a send points
// into, spare chunks, adopted buffers) must keep every byte in order and memory() within its
// stated bound, whatever sequence of operations a session's completions make. The input is
// that sequence; a model (a plain byte deque) says what must come out. Needs clang
// (-fsanitize=fuzzer); built in the native preset only.
//
// Input layout:
//   byte 0     chunk capacity - 1 (1..256)
//   byte 1     the limit, in units of 64 bytes, + 1 (64..16384)
//   byte 2     bit 0: --reuse-buffers
//   then pairs [op][arg]; op % 6 picks:
//     0 append   arg bytes (times 16 when op & 0x80), only while !full(), as the server does
//     1 adopt    a buffer from take_spare() (or a new one of a chunk's capacity) holding arg
//                bytes (times 16 when op & 0x80), only while !full()
//     2 gather   into up to arg % 8 + 1 views: a send starts (if none is in flight)
//     3 sent     the in-flight send completes with (arg / 255) of its bytes; its views, kept
//                across any appends since, must still hold the model's next bytes
//     4 release  release_spare()
//     5 take     take_spare(), then drop the buffer (a receive that failed)
// Usage:   ch04_send_queue_fuzzer [-max_total_time=60] CORPUS_DIR...
// Test with: ctest -R ch04.send_queue_fuzz
#include "send_queue.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace {

// Stops the fuzzer with a crash it reports and saves, as an ASan finding would.
void check(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

// The next `size` bytes of a running pattern, recorded in the model as they are queued.
std::vector<std::byte> next_bytes(std::size_t size, std::uint32_t& counter,
                                  std::deque<std::byte>& model) {
    std::vector<std::byte> out(size);
    for (std::byte& b : out) {
        b = static_cast<std::byte>((counter * 2654435761u) >> 24);
        ++counter;
        model.push_back(b);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) {
        return 0;
    }
    const std::size_t capacity = std::size_t{data[0]} + 1;
    const std::size_t limit = (std::size_t{data[1]} + 1) * 64;
    ch04::SendQueue queue{capacity, limit, (data[2] & 1u) != 0};

    std::deque<std::byte> model;  // what is queued, in order
    std::uint32_t counter = 0;
    std::size_t largest = 0;  // the largest append or adopt, for the bound
    std::array<ch04::SendBuffer, 8> views{};
    std::size_t in_flight = 0;  // views of the send in flight (0: none)
    for (std::size_t at = 3; at + 1 < size; at += 2) {
        const std::uint8_t op = data[at];
        const std::size_t arg = data[at + 1];
        const std::size_t amount = (op & 0x80u) != 0 ? arg * 16 : arg;
        switch (op % 6) {
            case 0:
                if (!queue.full()) {
                    queue.append(next_bytes(amount, counter, model));
                    largest = amount > largest ? amount : largest;
                }
                break;
            case 1:
                if (!queue.full()) {
                    std::vector<std::byte> buffer = queue.take_spare();
                    buffer.reserve(capacity);
                    const std::vector<std::byte> bytes = next_bytes(amount, counter, model);
                    buffer.assign(bytes.begin(), bytes.end());
                    const bool taken = queue.adopt(std::move(buffer));
                    check(!taken || amount > 0);
                    largest = amount > largest ? amount : largest;
                }
                break;
            case 2:
                if (in_flight == 0) {
                    in_flight = queue.gather(std::span{views}.first(arg % views.size() + 1));
                    check((in_flight == 0) == queue.empty());
                }
                break;
            case 3:
                if (in_flight > 0) {
                    std::size_t gathered = 0;
                    for (std::size_t i = 0; i < in_flight; ++i) {
                        // The views still name the model's next bytes, appends or not.
                        for (std::size_t j = 0; j < views[i].size; ++j) {
                            check(views[i].data[j] == model[gathered + j]);
                        }
                        gathered += views[i].size;
                    }
                    const std::size_t done = gathered * arg / 255;
                    queue.sent(done);
                    model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(done));
                    in_flight = 0;
                }
                break;
            case 4:
                queue.release_spare();
                break;
            default: {
                const std::vector<std::byte> dropped = queue.take_spare();
                check(dropped.empty());
                break;
            }
        }
        check(queue.bytes() == model.size());
        check(queue.memory() <= queue.memory_bound(largest));
        check(queue.memory() >= queue.bytes());
        check(queue.spare_chunks() <= ch04::max_spare_chunks);
        check(queue.peak_memory() >= queue.memory());
        check(queue.empty() || queue.chunks() > 0);
    }
    return 0;
}
