// ch02_winsock_overlapped/echo_client.h: a client that checks every echoed byte.
//
// C connections, one thread each (plain blocking sockets: the server is the lesson here). Each
// sends M messages of S bytes, in windows of at most 32 KiB, and reads each window back before
// sending the next, so neither side's buffers can fill up and stall the other. Every byte that
// comes back is compared with the byte sent.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ch02 {

struct ClientOptions {
    std::uint16_t port = 0;
    std::size_t connections = 4;
    std::size_t messages = 100;
    std::size_t size = 4096;
};

struct ClientReport {
    ClientOptions options;
    std::size_t connections_ok = 0;    // connections that sent, got back and verified everything
    std::uint64_t bytes_verified = 0;  // echoed bytes equal to what was sent
    std::uint64_t bytes_wrong = 0;     // echoed bytes that differ (0 unless something is broken)
    double seconds = 0;
    std::vector<std::string> errors;  // one line per failed connection
};

// Throws std::invalid_argument for options out of range; a failing connection is reported in
// `errors`, the others go on.
ClientReport run_client(const ClientOptions& options);

// The byte that message `message` of connection `connection` carries at `offset`.
unsigned char message_byte(std::size_t connection, std::size_t message, std::size_t offset);

}  // namespace ch02
