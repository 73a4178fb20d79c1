// bench/server_process.h: an echo server the benchmark runs as a child process.
//
// The benchmark measures servers as their users run them: each in its own process, started from
// its program with a command line, stopped when done. The child's stdout and stderr come back
// through one pipe; a thread reads it to the end (so a chatty child never blocks on a full pipe)
// and finds the port in the first "listening on HOST:PORT" line, the shape both servers print.
#pragma once

#include "iocp/handle.h"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bench {

struct ServerMemory {
    std::size_t working_set = 0;       // bytes resident now
    std::size_t peak_working_set = 0;  // the most ever resident
    std::size_t private_bytes = 0;     // committed private memory
};

class ServerProcess {
public:
    // Starts `program` with `arguments` and waits (at most 30 s) for its "listening on" line.
    // Throws std::system_error when it cannot start, std::runtime_error when it exits or stays
    // silent first (the message carries its last lines).
    ServerProcess(const std::filesystem::path& program, const std::vector<std::string>& arguments);
    ~ServerProcess();  // stop(), reporting instead of throwing
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    ServerMemory memory() const;  // GetProcessMemoryInfo on the child
    // Ends the child (TerminateProcess: a benchmark peer's own shutdown is not what is measured;
    // chapter 4's tests prove ours) and waits for it and the reading thread.
    void stop();

private:
    void read_output() noexcept;

    iocp::UniqueHandle process_;
    iocp::UniqueHandle output_;  // the pipe's read end; its write end is the child's
    std::thread reader_;
    mutable std::mutex mutex_;  // what follows, written by reader_
    std::condition_variable changed_;
    std::deque<std::string> last_lines_;  // the child's output, for error messages
    std::string partial_;
    std::uint16_t port_ = 0;
    bool ended_ = false;  // the pipe closed: the child is gone
};

}  // namespace bench
