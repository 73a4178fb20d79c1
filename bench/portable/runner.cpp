// bench/portable/runner.cpp: the echo benchmark's plan (see runner.h).
#include "runner.h"

#include <algorithm>
#include <condition_variable>
#include <iomanip>
#include <mutex>
#include <numeric>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bench {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t burst_load_connections = 128;
constexpr std::size_t burst_connections = 1000;
constexpr auto burst_limit = 10s;
constexpr std::size_t idle_connections = 1000;
constexpr auto idle_accept_limit = 30s;  // for the server to accept every idle connection

// The Win32 calls a message costs: what the server counts of its own (chapter 4's server only).
constexpr const char* counted_calls[] = {"wsarecv", "wsasend", "dequeues", "posts"};

std::uint64_t value_or(const ServerValues& values, const std::string& key, std::uint64_t other) {
    const auto found = values.find(key);
    return found == values.end() ? other : found->second;
}

// Calls per echoed message between two reports taken in the measured window: the server counts
// both, so the figure does not depend on when the driver's window starts or ends.
double calls_per_message(const ServerValues& before, const ServerValues& after, std::size_t size) {
    std::uint64_t calls = 0;
    for (const char* key : counted_calls) {
        if (!before.contains(key) || !after.contains(key)) {
            return -1;  // a server that does not count its calls (the asio peer)
        }
        calls += after.at(key) - before.at(key);
    }
    const std::uint64_t bytes =
        value_or(after, "bytes_sent", 0) - value_or(before, "bytes_sent", 0);
    const double messages = static_cast<double>(bytes) / static_cast<double>(size);
    return messages > 0 ? static_cast<double>(calls) / messages : -1;
}

std::string server_label(const std::vector<std::string>& variant) {
    std::string label = "ours";
    for (const std::string& argument : variant) {
        label += ' ' + argument;
    }
    return label;
}

// Samples the server's counters twice inside the measured window of a timed load: once when the
// window opens, once 80% of the way through. Runs on its own thread, so the driver never waits
// for the server's answer.
class CallSampler {
public:
    CallSampler(RunningServer& server, double seconds) : server_(server), seconds_(seconds) {}

    void window_opened() {
        const std::lock_guard lock{mutex_};
        opened_ = true;
        changed_.notify_all();
    }

    // Waits for the window (at most `limit`), samples, and returns calls per message or -1.
    double measure(std::size_t size, std::chrono::milliseconds limit) {
        std::unique_lock lock{mutex_};
        if (!changed_.wait_for(lock, limit, [&] { return opened_ || finished_; }) || finished_) {
            return -1;
        }
        lock.unlock();
        const auto start = std::chrono::steady_clock::now();
        const ServerValues before = server_.report();
        lock.lock();
        const auto until = start + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::duration<double>(seconds_ * 0.8));
        // Not a synchronisation: the second sample is taken at a planned time in the window.
        if (changed_.wait_until(lock, until, [&] { return finished_; })) {
            return -1;  // the load ended early: no second sample inside its window
        }
        lock.unlock();
        return calls_per_message(before, server_.report(), size);
    }

    void load_finished() {
        const std::lock_guard lock{mutex_};
        finished_ = true;
        changed_.notify_all();
    }

private:
    RunningServer& server_;
    double seconds_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool opened_ = false;
    bool finished_ = false;
};

class Runner {
public:
    Runner(Platform& platform, const BenchOptions& options, std::ostream& progress)
        : platform_(platform),
          options_(options),
          pairs_(options.pairs > 0 ? options.pairs : (options.quick ? 2 : 5)),
          random_(options.seed),
          progress_(progress) {}

    Report run(const ServerSpec& ours, const ServerSpec& asio);

private:
    std::vector<Configuration> configurations() const;
    std::unique_ptr<RunningServer> start(const ServerSpec& server);
    Sample timed_run(RunningServer& server, const Configuration& configuration,
                     std::vector<std::string>& errors);
    void measure(const Configuration& configuration, const std::vector<ServerSpec>& servers);
    BurstResult burst(const ServerSpec& server);
    MemoryResult memory(const ServerSpec& server, const std::string& mode);

    Platform& platform_;
    BenchOptions options_;
    int pairs_;
    std::mt19937 random_;
    std::ostream& progress_;
    Report report_;
};

std::vector<Configuration> Runner::configurations() const {
    if (options_.quick) {
        return {{128, 64, 1}, {128, 64, 16}};
    }
    std::vector<Configuration> all;
    for (const std::size_t size : {64, 4096}) {
        for (const std::size_t pipeline : {1, 16}) {
            for (const std::size_t connections : {1, 16, 128, 1000}) {
                all.push_back({connections, size, pipeline});
            }
        }
    }
    return all;
}

std::unique_ptr<RunningServer> Runner::start(const ServerSpec& server) {
    std::vector<std::string> arguments = server.arguments;
    const std::string threads = std::to_string(options_.threads);
    // The same threads and the same port concurrency value for every server.
    arguments.insert(arguments.end(), {"--port", "0", "--threads", threads, "--concurrency",
                                       threads, "--report-on-stdin"});
    return platform_.start(server.program, arguments);
}

Sample Runner::timed_run(RunningServer& server, const Configuration& configuration,
                         std::vector<std::string>& errors) {
    CallSampler sampler{server, options_.seconds};
    LoadRequest request;
    request.configuration = configuration;
    request.seconds = options_.seconds;
    // Warm-up, window and close, with room: ours warms 1000 connections up in a few seconds
    // under Wine. A server that cannot is a failed run, reported, not a minute lost per run.
    request.time_limit =
        std::chrono::milliseconds{15'000} + std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::duration<double>(options_.seconds));
    request.on_measuring = [&] { sampler.window_opened(); };
    double calls = -1;
    std::thread sampling{[&] { calls = sampler.measure(configuration.size, request.time_limit); }};
    LoadResult result;
    try {
        result = platform_.load(server.port(), request);
    } catch (...) {
        sampler.load_finished();
        sampling.join();
        throw;
    }
    sampler.load_finished();
    sampling.join();
    result.sample.calls_per_message = calls;
    errors = result.errors;
    return result.sample;
}

// [snippet:alternate]
// The servers of a configuration stay up for all its pairs (warm, as a real server is). Each
// pair runs every server once, in an order drawn afresh per pair: no server always goes first
// or always follows a given other. Each run opens new connections and warms them up first.
void Runner::measure(const Configuration& configuration, const std::vector<ServerSpec>& servers) {
    std::vector<std::unique_ptr<RunningServer>> running;
    const std::size_t first = report_.series.size();
    for (const ServerSpec& server : servers) {
        running.push_back(start(server));
        report_.series.push_back(Series{server.name, configuration, {}});
    }
    std::vector<std::size_t> order(servers.size());
    for (int pair = 1; pair <= pairs_; ++pair) {
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::shuffle(order.begin(), order.end(), random_);
        std::vector<Sample> samples(servers.size());
        for (const std::size_t i : order) {
            std::vector<std::string> errors;
            samples[i] = timed_run(*running[i], configuration, errors);
            const Sample& run = samples[i];
            progress_ << "  " << configuration_label(configuration) << "  pair " << pair << '/'
                      << pairs_ << "  " << std::left << std::setw(28) << servers[i].name
                      << std::right << std::fixed << std::setprecision(0) << std::setw(9)
                      << run.messages_per_second << " msgs/s  p99 " << std::setw(7) << run.p99_us
                      << " us";
            if (run.calls_per_message >= 0) {
                progress_ << "  calls/msg " << std::setprecision(2) << run.calls_per_message;
            }
            progress_ << (run.ok ? "" : "  FAILED: ") << (errors.empty() ? "" : errors[0])
                      << std::endl;
        }
        for (std::size_t i = 0; i < servers.size(); ++i) {
            report_.series[first + i].samples.push_back(samples[i]);  // sample k: pair k
        }
    }
}
// [/snippet]

// [snippet:burst]
// While 128 connections are under load, 1000 new ones arrive, each sending one message. How
// long until every one of them was served (connected, echoed, closed in order), and how many
// were not within 10 s.
BurstResult Runner::burst(const ServerSpec& server) {
    const std::unique_ptr<RunningServer> running = start(server);
    std::mutex mutex;
    std::condition_variable measuring;
    bool loaded = false;
    std::atomic<bool> stop_load{false};
    LoadRequest load;
    load.configuration = {burst_load_connections, 64, 1};
    load.seconds = 60;  // ended early by stop_load, once the burst is over
    load.time_limit = 90s;
    load.stop = &stop_load;
    load.on_measuring = [&] {
        const std::lock_guard lock{mutex};
        loaded = true;
        measuring.notify_all();
    };
    LoadResult load_result;
    std::thread loader{[&] {
        try {
            load_result = platform_.load(running->port(), load);
        } catch (const std::exception& error) {
            load_result.errors.emplace_back(error.what());
        }
        const std::lock_guard lock{mutex};
        loaded = true;  // (or failed: either way, stop waiting)
        measuring.notify_all();
    }};
    LoadRequest arrivals;
    arrivals.configuration = {burst_connections, 64, 1};
    arrivals.messages = 1;
    arrivals.time_limit = burst_limit;
    LoadResult burst_result;
    {
        std::unique_lock lock{mutex};
        measuring.wait_for(lock, 60s, [&] { return loaded; });
    }
    try {
        if (loaded && load_result.errors.empty()) {
            burst_result = platform_.load(running->port(), arrivals);
        }
    } catch (...) {
        stop_load = true;
        loader.join();
        throw;
    }
    stop_load = true;
    loader.join();
    if (!load_result.errors.empty() || !loaded) {
        throw std::runtime_error("burst test, " + server.name + ": the load of " +
                                 std::to_string(burst_load_connections) + " connections failed" +
                                 (load_result.errors.empty() ? "" : ": " + load_result.errors[0]));
    }
    const std::size_t not_done = burst_result.not_done;
    return BurstResult{server.name, not_done == 0 ? burst_result.seconds : 0.0, burst_connections,
                       not_done};
}
// [/snippet]

// [snippet:memory]
// 1000 connections that connect and never send. Once the server has accepted them all, its own
// report, less its report before them, per connection: the bytes it holds in buffers, queues
// and session contexts, its committed bytes and its working set.
MemoryResult Runner::memory(const ServerSpec& server, const std::string& mode) {
    const std::unique_ptr<RunningServer> running = start(server);
    const ServerValues before = running->report();
    ServerValues after;
    std::atomic<bool> stop{false};
    std::string failure;
    LoadRequest idle;
    idle.configuration = {idle_connections, 64, 1};
    idle.idle = true;
    idle.time_limit = 90s;
    idle.stop = &stop;
    idle.on_measuring = [&] {
        // Connected is not accepted: wait (bounded) until the server has a session for each.
        const auto deadline = std::chrono::steady_clock::now() + idle_accept_limit;
        for (;;) {
            after = running->report();
            if (value_or(after, "sessions", 0) >= idle_connections) {
                break;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                failure = "the server had " + std::to_string(value_or(after, "sessions", 0)) +
                          " sessions after " + std::to_string(idle_accept_limit.count()) + " s";
                break;
            }
            std::this_thread::sleep_for(20ms);  // polling another process's counter, bounded
        }
        stop = true;
    };
    const LoadResult result = platform_.load(running->port(), idle);
    if (after.empty() || !failure.empty() || result.connections_ok != idle_connections) {
        throw std::runtime_error("memory test, " + server.name + ": " +
                                 (!failure.empty() ? failure
                                                   : std::to_string(result.connections_ok) +
                                                         " of " + std::to_string(idle_connections) +
                                                         " connections held") +
                                 (result.errors.empty() ? "" : ": " + result.errors[0]));
    }
    const auto figure = [&](std::initializer_list<const char*> keys) {
        double sum_before = 0;
        double sum_after = 0;
        bool any = false;
        for (const char* key : keys) {
            if (after.contains(key) && before.contains(key)) {
                sum_before += static_cast<double>(before.at(key));
                sum_after += static_cast<double>(after.at(key));
                any = true;
            }
        }
        return any ? per_connection(sum_before, sum_after, idle_connections) : -1.0;
    };
    return MemoryResult{server.name,
                        mode,
                        idle_connections,
                        figure({"held_buffer_bytes", "context_bytes"}),
                        figure({"commit_bytes"}),
                        figure({"working_set"})};
}
// [/snippet]

Report Runner::run(const ServerSpec& ours, const ServerSpec& asio) {
    std::ostringstream note;
    note << platform_.description() << ", server threads " << options_.threads << ", " << pairs_
         << " pairs of " << options_.seconds << " s runs, order seed " << options_.seed;
    report_.title_note = note.str();
    progress_ << "echo_bench: " << report_.title_note << std::endl;

    for (const Configuration& configuration : configurations()) {
        std::vector<ServerSpec> servers{ours};
        const bool variants =
            options_.variants && configuration.connections == 128 && configuration.size == 64;
        for (const auto& variant : variant_arguments()) {
            if (!variants) {
                break;
            }
            ServerSpec server = ours;
            server.name = server_label(variant);
            server.arguments.insert(server.arguments.end(), variant.begin(), variant.end());
            servers.push_back(server);
        }
        servers.push_back(asio);
        measure(configuration, servers);
    }
    if (options_.burst) {
        for (const ServerSpec* server : {&ours, &asio}) {
            progress_ << "  burst: " << server->name << std::endl;
            report_.bursts.push_back(burst(*server));
        }
    }
    if (options_.memory) {
        ServerSpec zero_byte = ours;
        zero_byte.arguments.push_back("--zero-byte-recv");
        progress_ << "  memory: " << idle_connections << " idle connections" << std::endl;
        report_.memory.push_back(memory(ours, "default"));
        report_.memory.push_back(memory(zero_byte, "--zero-byte-recv"));
        report_.memory.push_back(memory(asio, "default"));
    }
    return report_;
}

}  // namespace

ServerValues parse_report(const std::string& line) {
    constexpr std::string_view prefix = "report:";
    if (line.rfind(prefix, 0) != 0) {
        throw std::invalid_argument("not a report line: " + line);
    }
    ServerValues values;
    std::istringstream fields{line.substr(prefix.size())};
    std::string field;
    while (fields >> field) {
        const auto equals = field.find('=');
        const std::string value = equals == std::string::npos ? "" : field.substr(equals + 1);
        if (equals == 0 || value.empty() ||
            value.find_first_not_of("0123456789") != std::string::npos) {
            throw std::invalid_argument("bad field \"" + field + "\" in: " + line);
        }
        values[field.substr(0, equals)] = std::stoull(value);
    }
    return values;
}

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

void ServerOutput::add(std::string_view chunk) {
    constexpr std::size_t kept_lines = 8;
    const std::lock_guard lock{mutex_};
    partial_.append(chunk);
    for (auto end = partial_.find('\n'); end != std::string::npos; end = partial_.find('\n')) {
        std::string line = partial_.substr(0, end);
        partial_.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (port_ == 0) {
            port_ = listening_port(line);
        }
        if (line.rfind("report:", 0) == 0) {
            reports_.push_back(line);
        }
        last_lines_.push_back(std::move(line));
        if (last_lines_.size() > kept_lines) {
            last_lines_.pop_front();
        }
    }
    changed_.notify_all();
}

void ServerOutput::end() {
    const std::lock_guard lock{mutex_};
    ended_ = true;
    changed_.notify_all();
}

std::uint16_t ServerOutput::port() const {
    const std::lock_guard lock{mutex_};
    return port_;
}

void ServerOutput::clear_reports() {
    const std::lock_guard lock{mutex_};
    reports_.clear();
}

std::optional<std::string> ServerOutput::take_report() {
    const std::lock_guard lock{mutex_};
    if (reports_.empty()) {
        return std::nullopt;
    }
    std::string line = std::move(reports_.front());
    reports_.pop_front();
    return line;
}

std::string ServerOutput::last_lines() const {
    const std::lock_guard lock{mutex_};
    return last_lines_locked();
}

std::string ServerOutput::last_lines_locked() const {
    std::string said;
    for (const std::string& line : last_lines_) {
        said += (said.empty() ? "" : " | ") + line;
    }
    return said;
}

std::uint16_t ServerOutput::wait_for_port(const std::string& program,
                                          std::chrono::milliseconds limit) {
    std::unique_lock lock{mutex_};
    const bool ended_or_listening =
        changed_.wait_for(lock, limit, [&] { return port_ != 0 || ended_; });
    if (port_ != 0) {
        return port_;
    }
    const std::string said = last_lines_locked();
    throw std::runtime_error(
        program +
        (ended_or_listening
             ? " exited before it listened"
             : " did not listen within " + std::to_string(limit.count() / 1000) + " s") +
        (said.empty() ? std::string{} : ": " + said));
}

ServerValues ServerOutput::wait_for_report(std::chrono::milliseconds limit) {
    std::unique_lock lock{mutex_};
    changed_.wait_for(lock, limit, [&] { return !reports_.empty() || ended_; });
    if (reports_.empty()) {
        throw std::runtime_error("a benchmark server gave no report line within " +
                                 std::to_string(limit.count() / 1000) + " s");
    }
    const std::string line = std::move(reports_.front());
    reports_.pop_front();
    return parse_report(line);
}

// [snippet:variants]
// Our server's variants, each the defaults with one thing changed: its row against "ours"
// is that option's measured effect. They run at C=128 S=64 (both pipelines). The last is not
// an option but an experiment: reading only once the echo is out, as asio's loop does.
const std::vector<std::vector<std::string>>& variant_arguments() {
    static const std::vector<std::vector<std::string>> variants{
        {"--zero-byte-recv"},           // no receive buffer while a client is silent
        {"--no-skip-on-success"},       // every completion as a packet (the default skips)
        {"--rounds"},                   // a receive done at once waits a round, not in the port
        {"--rounds", "--batch", "16"},  // the same, 16 packets a dequeue
        {"--reuse-buffers"},            // no allocation per receive
        {"--gather-sends"},             // queued echo leaves in one WSASend
        {"--batch", "16"},              // GetQueuedCompletionStatusEx, 16 at a time
        {"--max-pending-bytes", "1"},   // no receive until the echo is sent: asio's order
    };
    return variants;
}
// [/snippet]

Report run_bench(Platform& platform, const BenchOptions& options, const ServerSpec& ours,
                 const ServerSpec& asio, std::ostream& progress) {
    Runner runner{platform, options, progress};
    return runner.run(ours, asio);
}

std::string closing_lines(const Report& report) {
    return headline_p99(report, headline_configuration) + "\n" +
           headline(report, headline_configuration);
}

}  // namespace bench
