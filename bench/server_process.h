// bench/server_process.h: an echo server the benchmark runs as a child process.
//
// The benchmark measures servers as their users run them: each in its own process, started from
// its program with a command line, stopped when done. The child's stdout and stderr come back
// through one pipe; a thread reads it to the end (so a chatty child never blocks on a full pipe)
// and finds the port in the first "listening on HOST:PORT" line, the shape both servers print.
// The child's stdin is a second pipe: with --report-on-stdin a server answers each line with a
// "report:" line, and stops when its stdin ends.
#pragma once

#include "runner.h"

#include "iocp/handle.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace bench {

class ServerProcess final : public RunningServer {
public:
    // Starts `program` with `arguments` and waits (at most 30 s) for its "listening on" line.
    // Throws std::system_error when it cannot start, std::runtime_error when it exits or stays
    // silent first (the message carries its last lines).
    ServerProcess(const std::filesystem::path& program, const std::vector<std::string>& arguments);
    ~ServerProcess() override;  // stop(), reporting instead of throwing
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const noexcept override { return port_; }
    ServerValues report() override;
    // Ends the child's stdin, so it stops as on Ctrl+C; if it has not exited within 10 s,
    // TerminateProcess (a benchmark peer's own shutdown is not what is measured; chapter 4's
    // tests prove ours). Then waits for it and the reading thread.
    void stop();

private:
    void read_output() noexcept;

    iocp::UniqueHandle process_;
    iocp::UniqueHandle output_;  // the pipe's read end; its write end is the child's
    iocp::UniqueHandle input_;   // the write end of the child's stdin
    std::thread reader_;
    ServerOutput output_lines_;  // what the child printed, as reader_ reads it
    std::uint16_t port_ = 0;     // from output_lines_, set once in the constructor
};

}  // namespace bench
