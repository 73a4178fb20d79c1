// common/src/stdin_lines.cpp: stdin, line by line, on a thread (see iocp/stdin_lines.h).
#include "iocp/stdin_lines.h"

#include "iocp/error.h"
#include "iocp/handle.h"

#include <array>
#include <exception>
#include <mutex>
#include <utility>

namespace iocp {

// What the reader and the owner share; the reader keeps it alive by its own shared_ptr.
struct StdinLines::Inbox {
    std::mutex mutex;  // the fields below; ready's state changes only under it
    UniqueHandle ready;
    std::vector<std::string> lines;
    bool ended = false;
    DWORD error = ERROR_SUCCESS;

    // Under `mutex`: hand over what was read, and signal it. SetEvent on our own event fails
    // only if the handle is bad: a bug, but this thread cannot throw, so it ends reading.
    void signal_locked() noexcept {
        if (!SetEvent(ready.get())) {
            report_cleanup_failure("SetEvent (stdin lines)", GetLastError());
        }
    }
};

StdinLines::StdinLines(std::string last_line) : inbox_(std::make_shared<Inbox>()) {
    const HANDLE input = GetStdHandle(STD_INPUT_HANDLE);
    if (input == INVALID_HANDLE_VALUE) {
        throw_last_error("GetStdHandle(STD_INPUT_HANDLE)");
    }
    if (input == nullptr) {  // a process started without a stdin: GetLastError() says nothing
        throw_win32_error("GetStdHandle(STD_INPUT_HANDLE): the process has no stdin",
                          ERROR_INVALID_HANDLE);
    }
    inbox_->ready.reset(check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW"));
    reader_ = std::thread(
        [inbox = inbox_, input, last = std::move(last_line)] { read_lines(inbox, input, last); });
}

StdinLines::~StdinLines() {
    bool ended = false;
    {
        const std::lock_guard lock{inbox_->mutex};
        ended = inbox_->ended;
    }
    if (ended) {
        reader_.join();  // it set `ended` as its last act: it has returned or is returning
    } else {
        reader_.detach();  // still waiting in ReadFile: safe to leave (iocp/stdin_lines.h)
    }
}

HANDLE StdinLines::ready() const noexcept {
    return inbox_->ready.get();
}

StdinLines::Taken StdinLines::take() {
    Taken taken;
    const std::lock_guard lock{inbox_->mutex};
    taken.lines = std::exchange(inbox_->lines, {});
    taken.ended = inbox_->ended;
    taken.error = inbox_->error;
    if (!taken.ended) {
        check_bool(ResetEvent(inbox_->ready.get()), "ResetEvent");  // stays set once ended
    }
    return taken;
}

void StdinLines::read_lines(const std::shared_ptr<Inbox>& inbox, HANDLE input,
                            const std::string& last_line) noexcept {
    std::string partial;
    std::array<char, 4096> buffer{};
    DWORD error = ERROR_SUCCESS;
    bool stop_line = false;
    try {
        while (!stop_line) {
            DWORD got = 0;
            if (!ReadFile(input, buffer.data(), static_cast<DWORD>(buffer.size()), &got, nullptr)) {
                error = GetLastError();
                // A pipe whose write end closed reports its end as an error.
                if (error == ERROR_BROKEN_PIPE || error == ERROR_HANDLE_EOF) {
                    error = ERROR_SUCCESS;
                }
                break;
            }
            if (got == 0) {
                break;  // the end of a file (or Ctrl+Z on a console)
            }
            partial.append(buffer.data(), got);
            std::vector<std::string> lines;
            for (std::size_t end = partial.find('\n'); end != std::string::npos;
                 end = partial.find('\n')) {
                std::string line = partial.substr(0, end);
                partial.erase(0, end + 1);
                if (!line.empty() && line.back() == '\r') {
                    line.pop_back();
                }
                if (line == last_line) {
                    stop_line = true;  // what follows it is not read
                    break;
                }
                lines.push_back(std::move(line));
            }
            if (!lines.empty()) {
                const std::lock_guard lock{inbox->mutex};
                for (std::string& line : lines) {
                    inbox->lines.push_back(std::move(line));
                }
                inbox->signal_locked();
            }
        }
        if (!partial.empty() && partial.back() == '\r') {
            partial.pop_back();
        }
        if (!stop_line && !partial.empty() && partial != last_line) {
            const std::lock_guard lock{inbox->mutex};
            inbox->lines.push_back(std::move(partial));  // a last line without its line end
        }
    } catch (const std::exception& e) {
        report_cleanup_exception("reading stdin", e);  // out of memory: reading ends
        error = ERROR_NOT_ENOUGH_MEMORY;
    }
    const std::lock_guard lock{inbox->mutex};
    inbox->ended = true;
    inbox->error = error;
    inbox->signal_locked();
}

}  // namespace iocp
