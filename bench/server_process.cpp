// bench/server_process.cpp: an echo server the benchmark runs as a child process (see the .h).
#include "server_process.h"

#include "iocp/error.h"

#include <chrono>
#include <string_view>
#include <stdexcept>

namespace bench {
namespace {

constexpr std::chrono::milliseconds start_limit{30'000};  // to listen, and for each report
constexpr DWORD exit_wait_ms = 10'000;

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

    HANDLE stdin_read = nullptr;
    HANDLE stdin_write = nullptr;
    iocp::check_bool(CreatePipe(&stdin_read, &stdin_write, &inheritable, 0), "CreatePipe");
    iocp::UniqueHandle child_input{stdin_read};
    input_ = iocp::UniqueHandle{stdin_write};
    // Ours stays with us: a child holding it would never see its stdin end.
    iocp::check_bool(SetHandleInformation(stdin_write, HANDLE_FLAG_INHERIT, 0),
                     "SetHandleInformation");

    STARTUPINFOA startup{};
    startup.cb = sizeof(startup);
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = child_input.get();
    startup.hStdOutput = child_end.get();
    startup.hStdError = child_end.get();
    PROCESS_INFORMATION started{};
    iocp::check_bool(CreateProcessA(nullptr, command.data(), nullptr, nullptr, TRUE, 0, nullptr,
                                    nullptr, &startup, &started),
                     "CreateProcess(" + program.filename().string() + ")");
    process_ = iocp::UniqueHandle{started.hProcess};
    const iocp::UniqueHandle thread{started.hThread};  // not needed: closed at once
    child_end.reset();  // the child has its copy; ours would keep the pipe open forever
    child_input.reset();
    reader_ = std::thread([this] { read_output(); });
    try {
        port_ = output_lines_.wait_for_port(program.filename().string(), start_limit);
    } catch (...) {
        stop();
        throw;
    }
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
        output_lines_.add(std::string_view{chunk.data(), got});
    }
    output_lines_.end();
}

ServerValues ServerProcess::report() {
    output_lines_.clear_reports();
    const std::string request = "report\n";
    DWORD written = 0;
    iocp::check_bool(WriteFile(input_.get(), request.data(), static_cast<DWORD>(request.size()),
                               &written, nullptr),
                     "WriteFile(server stdin)");
    return output_lines_.wait_for_report(start_limit);
}

void ServerProcess::stop() {
    input_.reset();  // its stdin ends: the server stops by itself
    if (process_) {
        DWORD waited = WaitForSingleObject(process_.get(), exit_wait_ms);
        if (waited == WAIT_TIMEOUT) {
            if (!TerminateProcess(process_.get(), 0)) {
                const DWORD error = GetLastError();
                if (error != ERROR_ACCESS_DENIED) {  // it has exited already
                    iocp::throw_win32_error("TerminateProcess", error);
                }
            }
            waited = WaitForSingleObject(process_.get(), exit_wait_ms);
        }
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
