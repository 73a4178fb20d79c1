// common/src/log.cpp: the thread-safe logger (see iocp/log.h).
#include "iocp/log.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace iocp {
namespace {

constexpr std::array<std::string_view, 5> level_names{"debug", "info", "warn", "error", "off"};

}  // namespace

std::string_view log_level_name(LogLevel level) noexcept {
    return level_names[static_cast<size_t>(level)];
}

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
    for (size_t i = 0; i < level_names.size(); ++i) {
        if (level_names[i] == text) {
            return static_cast<LogLevel>(i);
        }
    }
    return std::nullopt;
}

Logger::Logger(std::ostream& out, LogLevel level)
    : out_(out), level_(level), start_(std::chrono::steady_clock::now()) {}

bool Logger::enabled(LogLevel level) const noexcept {
    std::lock_guard lock(mutex_);
    return level != LogLevel::off && level >= level_;
}

void Logger::set_level(LogLevel level) {
    std::lock_guard lock(mutex_);
    level_ = level;
}

LogLevel Logger::level() const {
    std::lock_guard lock(mutex_);
    return level_;
}

int Logger::thread_number() {
    std::lock_guard lock(mutex_);
    return thread_number_locked(std::this_thread::get_id());
}

int Logger::thread_number_locked(std::thread::id id) {
    auto found = std::find(threads_.begin(), threads_.end(), id);
    if (found == threads_.end()) {
        threads_.push_back(id);
        return static_cast<int>(threads_.size());
    }
    return static_cast<int>(found - threads_.begin()) + 1;
}

void Logger::emit(LogLevel level, std::string_view message) {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    std::array<char, 32> stamp{};
    // snprintf truncates rather than overflows; a negative result means an encoding error.
    const int printed = std::snprintf(stamp.data(), stamp.size(), "[%8.3f]", elapsed.count());
    const size_t stamp_length = printed < 0 ? 0 : std::min(size_t(printed), stamp.size() - 1);

    std::lock_guard lock(mutex_);
    const int thread = thread_number_locked(std::this_thread::get_id());
    std::string line;
    line.reserve(message.size() + 32);
    line.append(stamp.data(), stamp_length);
    line += " T" + std::to_string(thread) + ' ';
    std::string_view name = log_level_name(level);
    line += name;
    line.append(6 - name.size(), ' ');
    line += message;
    line += '\n';
    out_ << line << std::flush;
}

}  // namespace iocp
