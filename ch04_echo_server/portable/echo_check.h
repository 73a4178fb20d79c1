// ch04_echo_server/portable/echo_check.h: checks every byte a connection's echo brings back
// against the byte that was sent (portable: no windows.h).
//
// The client never keeps a copy of what it sent: message.h makes every byte from (connection,
// sequence, offset), and EchoCheck asks it for the bytes it expects next. TCP may cut the echo
// anywhere, so a receive can end inside a message, or inside a packet's header, and the next
// one goes on from there. Messages come back in the order they were sent, whole: the first byte
// that differs fails the connection (a server that loses, repeats or reorders bytes is wrong
// from there on), and so does an echo longer than what was sent.
#pragma once
#include "frame.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace ch04 {

// What one receive's bytes held.
struct EchoVerdict {
    // The messages whose last byte was in the receive and which came back exactly as sent,
    // before any wrong byte: [first, first + messages), in sequence numbers.
    std::uint64_t first = 0;
    std::uint64_t messages = 0;
    std::uint64_t matched = 0;     // bytes of the receive checked and found as sent
    std::uint64_t mismatched = 0;  // bytes of the receive that differ from those sent
    std::string error;             // empty, or why the connection must fail

    bool ok() const noexcept { return error.empty(); }
};

// One connection's echo, checked as it comes. Not thread-safe: a connection's receives are
// handled one at a time.
class EchoCheck {
public:
    // `size`: bytes per message (stream) or payload bytes (packet).
    EchoCheck(Protocol protocol, std::size_t size, std::size_t connection) noexcept;

    // `bytes` more were handed to a send: the echo may now bring them back.
    void sent(std::uint64_t bytes) noexcept { sent_ += bytes; }

    // Checks the next bytes of the echo. An echo longer than what was sent is refused whole
    // (error set, nothing counted). Otherwise every byte is checked and counted as echoed; the
    // error names the first wrong one: "message 3 byte 10: expected 0x5a, got 0x00 (2 of 64
    // bytes of that receive differ)". After an error the connection must be closed.
    EchoVerdict check(std::span<const std::byte> data);

    // Messages whose every byte has come back (the next echoed byte belongs to this one).
    std::uint64_t echoed_messages() const noexcept { return sequence_; }
    // Whether the echo has caught up with everything sent, ending on a message's last byte.
    bool all_echoed() const noexcept { return echoed_ == sent_ && offset_ == 0; }
    std::uint64_t bytes_sent() const noexcept { return sent_; }
    std::uint64_t bytes_echoed() const noexcept { return echoed_; }

private:
    Protocol protocol_;
    std::size_t size_;
    std::size_t connection_;
    std::size_t wire_;  // bytes of one message on the wire
    std::uint64_t sent_ = 0;
    std::uint64_t echoed_ = 0;
    // The next echoed byte should be byte offset_ of message sequence_.
    std::uint64_t sequence_ = 0;
    std::uint64_t offset_ = 0;
};

}  // namespace ch04
