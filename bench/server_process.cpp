// bench/server_process.cpp: an echo server the benchmark runs as a child process (see the .h).
#include "server_process.h"

#include "iocp/error.h"

#include <psapi.h>

#include <chrono>
#include <stdexcept>

namespace bench {
namespace {

constexpr auto start_limit = std::chrono::seconds{30};
constexpr DWORD exit_wait_ms = 10'000;
constexpr std::size_t kept_lines = 8;

// One argument for CreateProcess's command line. Ours have no quotes; a space is quoted.
std::string quote(const std::string& argument) {
    if (argument.find_first_of(" \t\"") == std::string::npos && !argument.empty()) {
        return argument;
    }
    if (argument.find('"') != std::string::npos) {
        throw std::invalid_argument("a server argument with a quote: " + argument);
    }
    return '"' + argument + '"';
}

// The port in "listening on 127.0.0.1:PORT (...)", or 0 when the line is not that line.
std::uint16_t listening_port(const std::string& line) {
    const auto at = line.find("listening on ");
    if (at == std::string::npos) {
        return 0;
    }
    const auto colon = line.find(':', at);
    if (colon == std::string::npos) {
        return 0;
    }
    try {
        const int port = std::stoi(line.substr(colon + 1));
        return port > 0 && port < 65536 ? static_cast<std::uint16_t>(port) : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

ServerProcess::ServerProcess(const std::filesystem::path& program,
                             const std::vector<std::string>& arguments) {
    std::string command = quote(program.string());
    for (const std::string& argument : arguments) {
        command += ' ' + quote(argument);
    }
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE read_end = nullptr;
    HANDLE write_end = nullptr;
    iocp::check_bool(CreatePipe(&read_end, &write_end, &inheritable, 0), "CreatePipe");
    output_ = iocp::UniqueHandle{read_end};
    iocp::UniqueHandle child_end{write_end};
    // Only the write end goes to the child: if it inherited the read end too, the pipe would
    // never report the child's exit to us.
    iocp::check_bool(SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0),
                     "SetHandleInformation");

    STARTUPINFOA startup{};
    startup.cb = sizeof(startup);
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = nullptr;  // servers read nothing
    startup.hStdOutput = child_end.get();
    startup.hStdError = child_end.get();
    PROCESS_INFORMATION started{};
    iocp::check_bool(CreateProcessA(nullptr, command.data(), nullptr, nullptr, TRUE, 0, nullptr,
                                    nullptr, &startup, &started),
                     "CreateProcess(" + program.filename().string() + ")");
    process_ = iocp::UniqueHandle{started.hProcess};
    const iocp::UniqueHandle thread{started.hThread};  // not needed: closed at once
    child_end.reset();  // the child has its copy; ours would keep the pipe open forever
    reader_ = std::thread([this] { read_output(); });

    std::unique_lock lock{mutex_};
    const bool ready = changed_.wait_for(lock, start_limit, [&] { return port_ != 0 || ended_; });
    if (port_ != 0) {
        return;
    }
    std::string said;
    for (const std::string& line : last_lines_) {
        said += (said.empty() ? "" : " | ") + line;
    }
    lock.unlock();
    stop();
    throw std::runtime_error(
        program.filename().string() +
        (ready ? " exited before it listened" : " did not listen within 30 s") +
        (said.empty() ? std::string{} : ": " + said));
}

ServerProcess::~ServerProcess() {
    try {
        stop();
    } catch (const std::exception& e) {
        iocp::report_cleanup_exception("stopping a benchmark server", e);
    }
}

void ServerProcess::read_output() noexcept {
    std::string chunk(4096, '\0');
    for (;;) {
        DWORD got = 0;
        // Blocks until the child writes; fails (ERROR_BROKEN_PIPE) once it has exited.
        if (!ReadFile(output_.get(), chunk.data(), static_cast<DWORD>(chunk.size()), &got,
                      nullptr) ||
            got == 0) {
            break;
        }
        const std::lock_guard lock{mutex_};
        partial_.append(chunk, 0, got);
        for (auto end = partial_.find('\n'); end != std::string::npos; end = partial_.find('\n')) {
            std::string line = partial_.substr(0, end);
            partial_.erase(0, end + 1);
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            if (port_ == 0) {
                port_ = listening_port(line);
            }
            last_lines_.push_back(std::move(line));
            if (last_lines_.size() > kept_lines) {
                last_lines_.pop_front();
            }
        }
        changed_.notify_all();
    }
    const std::lock_guard lock{mutex_};
    ended_ = true;
    changed_.notify_all();
}

ServerMemory ServerProcess::memory() const {
    PROCESS_MEMORY_COUNTERS_EX counters{};
    counters.cb = sizeof(counters);
    iocp::check_bool(
        GetProcessMemoryInfo(process_.get(), reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&counters),
                             sizeof(counters)),
        "GetProcessMemoryInfo");
    return ServerMemory{counters.WorkingSetSize, counters.PeakWorkingSetSize,
                        counters.PrivateUsage};
}

void ServerProcess::stop() {
    if (process_) {
        if (!TerminateProcess(process_.get(), 0)) {
            const DWORD error = GetLastError();
            if (error != ERROR_ACCESS_DENIED) {  // it has exited already
                iocp::throw_win32_error("TerminateProcess", error);
            }
        }
        const DWORD waited = WaitForSingleObject(process_.get(), exit_wait_ms);
        if (waited == WAIT_FAILED) {
            iocp::throw_last_error("WaitForSingleObject(server process)");
        }
        if (waited == WAIT_TIMEOUT) {
            throw std::runtime_error("a benchmark server did not exit within 10 s of termination");
        }
        process_.reset();
    }
    if (reader_.joinable()) {
        reader_.join();  // the child is gone, so the pipe has closed and ReadFile has returned
    }
}

}  // namespace bench
