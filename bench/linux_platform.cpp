// bench/linux_platform.cpp: the echo benchmark's Linux half (see platform.h).
//
// The servers are Windows programs, started through a launcher (tools/wine.sh PREFIX run) as
// child processes with a pipe on stdin and one on stdout and stderr. The load is the native
// epoll driver of bench/driver/, in this process and outside Wine: only the servers pay Wine's
// cost, so the ratios are the servers' own.
#include "load_driver.h"
#include "platform.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <system_error>
#include <string_view>
#include <thread>
#include <utility>

extern char** environ;  // POSIX: the environment posix_spawnp passes on

namespace bench {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds answer_limit = 30s;  // to listen, and for each report
constexpr auto exit_limit = 10s;  // for a server to stop once its stdin has ended

[[noreturn]] void throw_errno(const std::string& what, int error = errno) {
    throw std::system_error(error, std::generic_category(), what);
}

// A file descriptor closed once, when its owner goes.
class Descriptor {
public:
    Descriptor() = default;
    explicit Descriptor(int fd) : fd_(fd) {}
    Descriptor(Descriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Descriptor& operator=(Descriptor&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~Descriptor() { reset(); }
    int get() const noexcept { return fd_; }
    void reset() noexcept {
        if (fd_ >= 0) {
            ::close(fd_);  // nothing to do about a failed close of a pipe end
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
};

struct Pipe {
    Descriptor read;
    Descriptor write;
};

Pipe make_pipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {  // close-on-exec: only the dup2'd copies reach the child
        throw_errno("pipe2");
    }
    return {Descriptor{ends[0]}, Descriptor{ends[1]}};
}

class ChildServer final : public RunningServer {
public:
    explicit ChildServer(const std::vector<std::string>& command) {
        Pipe input = make_pipe();
        Pipe output = make_pipe();
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attributes;
        check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
        check(posix_spawnattr_init(&attributes), "posix_spawnattr_init");
        check(posix_spawn_file_actions_adddup2(&actions, input.read.get(), STDIN_FILENO), "dup2");
        check(posix_spawn_file_actions_adddup2(&actions, output.write.get(), STDOUT_FILENO),
              "dup2");
        check(posix_spawn_file_actions_adddup2(&actions, output.write.get(), STDERR_FILENO),
              "dup2");
        // A process group of its own: stop() can end the launcher and what it started at once.
        check(posix_spawnattr_setpgroup(&attributes, 0), "posix_spawnattr_setpgroup");
        check(posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP),
              "posix_spawnattr_setflags");
        std::vector<char*> arguments;
        for (const std::string& argument : command) {
            arguments.push_back(const_cast<char*>(argument.c_str()));  // posix_spawn's old type
        }
        arguments.push_back(nullptr);
        const int spawned =
            posix_spawnp(&pid_, arguments[0], &actions, &attributes, arguments.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
        check(spawned, "posix_spawnp(" + command[0] + ")");
        input_ = std::move(input.write);
        from_child_ = std::move(output.read);
        // Our copies of the child's ends are closed as `input` and `output` go, so the output
        // pipe ends when the child and its own children are gone.
        reader_ = std::thread([this] { read_output(); });
        try {
            port_ = output_.wait_for_port(command[command.size() > 1 ? 1 : 0], answer_limit);
        } catch (...) {
            stop();
            throw;
        }
    }

    ~ChildServer() override { stop(); }
    ChildServer(const ChildServer&) = delete;
    ChildServer& operator=(const ChildServer&) = delete;

    std::uint16_t port() const override { return port_; }

    ServerValues report() override {
        output_.clear_reports();
        constexpr std::string_view request = "report\n";
        if (::write(input_.get(), request.data(), request.size()) !=
            static_cast<ssize_t>(request.size())) {
            throw_errno("writing to a benchmark server's stdin");
        }
        return output_.wait_for_report(answer_limit);
    }

private:
    static void check(int result, const std::string& what) {
        if (result != 0) {
            throw_errno(what, result);  // the posix_spawn family returns the error number
        }
    }

    // Ends the child's stdin, so it stops as on Ctrl+C; if it is still there after 10 s, kills
    // its process group. Then reaps it and joins the reader. Never throws.
    void stop() noexcept {
        input_.reset();
        if (pid_ > 0) {
            const auto deadline = std::chrono::steady_clock::now() + exit_limit;
            int status = 0;
            pid_t waited = 0;
            while ((waited = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
                   std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(10ms);  // polls a child's exit, bounded
            }
            if (waited == 0) {
                ::kill(-pid_, SIGKILL);  // the whole group: the launcher and the server
                ::waitpid(pid_, &status, 0);
            }
            pid_ = 0;
        }
        if (reader_.joinable()) {
            reader_.join();  // every writer of the pipe is gone, so read() has returned 0
        }
    }

    void read_output() noexcept {
        char chunk[4096];
        for (;;) {
            const ssize_t got = ::read(from_child_.get(), chunk, sizeof(chunk));
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got <= 0) {
                break;
            }
            output_.add(std::string_view{chunk, static_cast<std::size_t>(got)});
        }
        output_.end();
    }

    pid_t pid_ = 0;
    Descriptor input_;       // the write end of the child's stdin
    Descriptor from_child_;  // the read end of its stdout and stderr
    std::thread reader_;
    ServerOutput output_;     // what the child printed, as reader_ reads it
    std::uint16_t port_ = 0;  // from output_, set once in the constructor
};

double micros(std::chrono::nanoseconds value) {
    return static_cast<double>(value.count()) / 1000.0;
}

class LinuxPlatform final : public Platform {
public:
    explicit LinuxPlatform(std::vector<std::string> launcher) : launcher_(std::move(launcher)) {
        // A server that dies makes writing to its stdin fail with EPIPE instead of killing us.
        if (::signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
            throw_errno("signal(SIGPIPE)");
        }
    }

    std::string description() const override {
        std::string launcher;
        for (const std::string& word : launcher_) {
            launcher += (launcher.empty() ? "" : " ") + word;
        }
        return "Linux, " + std::to_string(std::thread::hardware_concurrency()) +
               " processors, servers run by `" + launcher + "`, load from the native epoll driver";
    }

    std::unique_ptr<RunningServer> start(const std::string& program,
                                         const std::vector<std::string>& arguments) override {
        std::vector<std::string> command = launcher_;
        command.push_back(program);
        command.insert(command.end(), arguments.begin(), arguments.end());
        return std::make_unique<ChildServer>(command);
    }

    LoadResult load(std::uint16_t port, const LoadRequest& request) override {
        LoadOptions options;
        options.port = port;
        options.connections = request.configuration.connections;
        options.size = request.configuration.size;
        options.pipeline = request.configuration.pipeline;
        options.messages = request.messages;
        options.idle = request.idle;
        options.measure = std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::duration<double>(request.seconds));
        options.time_limit = request.time_limit;
        options.stop = request.stop;
        options.on_measuring = request.on_measuring;
        const LoadReport report = run_load(options);
        LoadResult result;
        result.connections_ok = report.connections_ok;
        result.not_done = request.messages > 0 ? report.never_served : 0;
        result.seconds = report.seconds;
        result.errors = report.errors;
        Sample& sample = result.sample;
        sample.messages_per_second = report.messages_per_second;
        sample.megabytes_per_second = report.megabytes_per_second;
        sample.p50_us = micros(report.p50);
        sample.p99_us = micros(report.p99);
        sample.p999_us = micros(report.p999);
        sample.max_us = micros(report.max);
        sample.min_per_connection = static_cast<double>(report.min_per_connection);
        sample.max_per_connection = static_cast<double>(report.max_per_connection);
        sample.never_served = report.never_served;
        sample.ok = report.ok();
        return result;
    }

private:
    std::vector<std::string> launcher_;
};

}  // namespace

std::unique_ptr<Platform> make_platform(const PlatformOptions& options) {
    if (options.launcher.empty()) {
        throw std::invalid_argument(
            "--launcher is needed on Linux: the command that runs a Windows program, e.g. "
            "--launcher tools/wine.sh --launcher build/mingw-wine/wineprefix --launcher run");
    }
    return std::make_unique<LinuxPlatform>(options.launcher);
}

std::string default_program(const std::string&) {
    return "";  // the Windows programs are in another build tree: tutorial.sh names them
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    if (::gmtime_r(&now, &utc) == nullptr) {
        return "(unknown time)";
    }
    char text[32];
    if (std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &utc) == 0) {
        return "(unknown time)";
    }
    return text;
}

}  // namespace bench
