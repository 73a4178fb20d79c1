// ch04_echo_server/portable/echo_check.cpp: checking the echo (see echo_check.h).
#include "echo_check.h"

#include "message.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <iomanip>
#include <sstream>

namespace ch04 {
namespace {

// The expected bytes are made a block at a time, on the stack: nothing to allocate per
// connection, and a block is small next to a receive.
constexpr std::size_t block = 256;

std::string describe_wrong(std::uint64_t sequence, std::uint64_t offset, std::byte expected,
                           std::byte got) {
    std::ostringstream text;
    text << "message " << sequence << " byte " << offset << ": expected 0x" << std::hex
         << std::setw(2) << std::setfill('0') << std::to_integer<unsigned>(expected) << ", got 0x"
         << std::setw(2) << std::to_integer<unsigned>(got);
    return text.str();
}

}  // namespace

EchoCheck::EchoCheck(Protocol protocol, std::size_t size, std::size_t connection) noexcept
    : protocol_(protocol), size_(size), connection_(connection), wire_(wire_size(protocol, size)) {}

EchoVerdict EchoCheck::check(std::span<const std::byte> data) {
    EchoVerdict verdict;
    verdict.first = sequence_;
    if (data.size() > sent_ - echoed_) {
        verdict.error = "the server sent more bytes than it was sent (" +
                        std::to_string(echoed_ + data.size()) + " > " + std::to_string(sent_) + ")";
        return verdict;
    }
    std::string first_wrong;
    std::array<std::byte, block> expected{};
    std::size_t at = 0;
    while (at < data.size()) {  // each pass takes at least one byte
        const std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>({data.size() - at, wire_ - offset_, block}));
        const std::span<std::byte> want = std::span{expected}.first(n);
        expected_bytes(protocol_, size_, connection_, sequence_, offset_, want);
        if (std::memcmp(want.data(), data.data() + at, n) != 0) {
            for (std::size_t i = 0; i < n; ++i) {
                if (want[i] != data[at + i] && verdict.mismatched++ == 0) {
                    first_wrong = describe_wrong(sequence_, offset_ + i, want[i], data[at + i]);
                }
            }
        }
        at += n;
        offset_ += n;
        if (offset_ == wire_) {  // its last byte: the message is back
            if (verdict.mismatched == 0) {
                ++verdict.messages;
            }
            ++sequence_;
            offset_ = 0;
        }
    }
    echoed_ += data.size();
    verdict.matched = data.size() - verdict.mismatched;
    if (verdict.mismatched != 0) {
        verdict.error = first_wrong + " (" + std::to_string(verdict.mismatched) + " of " +
                        std::to_string(data.size()) + " bytes of that receive differ)";
    }
    return verdict;
}

}  // namespace ch04
