// common/include/iocp/log.h: a small thread-safe logger (portable: no windows.h).
//
// One line per call, written whole under a mutex, so lines from many threads never interleave:
//
//     [   0.012] T2 info  worker took a completion: key=7 bytes=512
//
// The time is seconds since the Logger was made. Threads are numbered T1, T2... in the order
// they first log: short, stable labels that the chapters' figures use too (a Windows thread id
// would differ on every run). Pass a Logger by reference; there is no global one.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace iocp {

enum class LogLevel { debug, info, warn, error, off };

std::string_view log_level_name(LogLevel level) noexcept;
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

class Logger {
public:
    explicit Logger(std::ostream& out, LogLevel level = LogLevel::info);

    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;

    template <class... Parts>
    void debug(const Parts&... parts) {
        write(LogLevel::debug, parts...);
    }
    template <class... Parts>
    void info(const Parts&... parts) {
        write(LogLevel::info, parts...);
    }
    template <class... Parts>
    void warn(const Parts&... parts) {
        write(LogLevel::warn, parts...);
    }
    template <class... Parts>
    void error(const Parts&... parts) {
        write(LogLevel::error, parts...);
    }

    // Streams every part into one line, if `level` is enabled.
    template <class... Parts>
    void write(LogLevel level, const Parts&... parts) {
        if (!enabled(level)) {
            return;
        }
        std::ostringstream message;
        (message << ... << parts);
        emit(level, message.str());
    }

    bool enabled(LogLevel level) const noexcept;
    void set_level(LogLevel level);
    LogLevel level() const;

    // The calling thread's number (1 for the first thread that logged or asked).
    int thread_number();

private:
    void emit(LogLevel level, std::string_view message);
    int thread_number_locked(std::thread::id id);

    mutable std::mutex mutex_;
    std::ostream& out_;
    LogLevel level_;
    std::chrono::steady_clock::time_point start_;
    std::vector<std::thread::id> threads_;  // index + 1 = thread number
};

}  // namespace iocp
