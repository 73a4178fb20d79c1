// common/include/iocp/stdin_lines.h: stdin read line by line on a thread of its own, for a
// program whose main loop waits on other things too (--report-on-stdin in chapter 4's server
// and in bench/asio_echo_server, where a parent process asks for reports through a pipe).
//
// The reader thread only reads and hands each line over: take() collects the lines, and
// ready() is an event that is signalled while some wait (or stdin has ended), for
// WaitForMultipleObjects or asio's object_handle. Reading ends at EOF (a pipe's write end
// closed, a file's end), after a line equal to `last_line` ("stop"), or at a read error.
//
// The thread reads with ReadFile on STD_INPUT_HANDLE, not std::cin: the C runtime holds
// stdin's lock while it waits in a read, and exit() flushes the streams under their locks, so a
// reader still waiting in std::getline could hang the exit.
//
// Destroying a StdinLines joins its reader once reading has ended (then it has returned or is
// returning). If the program stops for another reason (Ctrl+C, --duration) while the reader
// still waits in ReadFile, nothing can wake it portably (CancelSynchronousIo is not reliable
// under Wine), so it is detached instead. That is safe: the thread touches only the inbox it
// shares (a shared_ptr it holds itself) and the stdin handle, which nobody closes, and it
// ends with the process.
#pragma once

#include "iocp/win32.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace iocp {

class StdinLines {
public:
    struct Taken {
        std::vector<std::string> lines;  // in order, without the line end ("\n" or "\r\n")
        bool ended = false;              // no line will follow: EOF, `last_line`, or an error
        DWORD error = ERROR_SUCCESS;     // the read error that ended it, if any
    };

    // Starts reading. Throws std::system_error (no stdin, or no event or thread).
    explicit StdinLines(std::string last_line = "stop");
    ~StdinLines();  // joins the reader once reading has ended, else detaches it (see above)
    StdinLines(const StdinLines&) = delete;
    StdinLines& operator=(const StdinLines&) = delete;

    // Signalled while take() has something to return (manual reset: take() resets it).
    HANDLE ready() const noexcept;
    // The lines read since the last take(), and whether reading has ended. Throws
    // std::system_error if the event cannot be reset.
    Taken take();

private:
    struct Inbox;
    // The reader thread's body, until EOF, `last_line` or an error; never throws.
    static void read_lines(const std::shared_ptr<Inbox>& inbox, HANDLE input,
                           const std::string& last_line) noexcept;

    std::shared_ptr<Inbox> inbox_;
    std::thread reader_;
};

}  // namespace iocp
