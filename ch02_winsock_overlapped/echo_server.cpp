// ch02_winsock_overlapped/echo_server.cpp: what the three servers share (see echo_server.h).
#include "echo_server.h"

#include "iocp/error.h"

#include <algorithm>

namespace ch02 {

std::string_view notify_name(Notify notify) noexcept {
    switch (notify) {
        case Notify::event:
            return "event";
        case Notify::routine:
            return "routine";
        case Notify::iocp:
            return "iocp";
    }
    return "?";
}

void Counters::count_closed() {
    {
        const std::lock_guard lock{mutex_};
        ++closed_;
    }
    changed_.notify_all();
}

std::uint64_t Counters::closed() const {
    const std::lock_guard lock{mutex_};
    return closed_;
}

bool Counters::wait_closed(std::uint64_t count, std::chrono::milliseconds limit) const {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, limit, [&] { return closed_ >= count; });
}

void CompletionTally::record(DWORD thread_id) {
    const std::lock_guard lock{mutex_};
    const auto found = std::find_if(counts_.begin(), counts_.end(),
                                    [&](const auto& entry) { return entry.first == thread_id; });
    if (found == counts_.end()) {
        counts_.emplace_back(thread_id, 1);
    } else {
        ++found->second;
    }
}

std::vector<std::uint64_t> CompletionTally::per_thread() const {
    const std::lock_guard lock{mutex_};
    std::vector<std::uint64_t> counts;
    for (const auto& entry : counts_) {
        counts.push_back(entry.second);
    }
    return counts;
}

std::vector<DWORD> CompletionTally::thread_ids() const {
    const std::lock_guard lock{mutex_};
    std::vector<DWORD> ids;
    for (const auto& entry : counts_) {
        ids.push_back(entry.first);
    }
    return ids;
}

ServerStats snapshot(const Counters& counters, const CompletionTally& tally, int threads) {
    ServerStats stats;
    stats.accepted = counters.accepted.load();
    stats.refused = counters.refused.load();
    stats.failed_at_once = counters.failed_at_once.load();
    stats.closed = counters.closed();
    stats.completions = counters.completions.load();
    stats.bytes_echoed = counters.bytes_echoed.load();
    stats.threads = threads;
    stats.completions_per_thread = tally.per_thread();
    return stats;
}

void EchoServer::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    do_stop();
}

void EchoServer::stop_quietly() noexcept {
    try {
        stop();
    } catch (const std::exception& e) {
        iocp::report_cleanup_exception("stopping the server", e);
    }
}

SingleThreadServer::SingleThreadServer()
    : EchoServer(1),
      wake_(iocp::check_handle(CreateEventW(nullptr, FALSE, FALSE, nullptr), "CreateEventW")) {}

void SingleThreadServer::start_thread() {
    thread_ = std::thread([this] { run(); });
}

void SingleThreadServer::adopt(iocp::UniqueSocket socket) {
    {
        const std::lock_guard lock{mutex_};
        if (stopping_) {
            return;  // `socket` closes here
        }
        incoming_.push_back(std::move(socket));
    }
    iocp::check_bool(SetEvent(wake_.get()), "SetEvent");
}

bool SingleThreadServer::start_incoming() {
    std::vector<iocp::UniqueSocket> incoming;
    {
        const std::lock_guard lock{mutex_};
        if (stopping_) {
            return false;
        }
        incoming.swap(incoming_);
    }
    for (iocp::UniqueSocket& socket : incoming) {
        start(std::move(socket));
    }
    return true;
}

void SingleThreadServer::fail(std::exception_ptr error) noexcept {
    {
        const std::lock_guard lock{mutex_};
        if (!error_) {
            error_ = std::move(error);
        }
    }
    if (!SetEvent(wake_.get())) {
        iocp::report_cleanup_failure("SetEvent", GetLastError());
    }
}

bool SingleThreadServer::failed() const {
    const std::lock_guard lock{mutex_};
    return error_ != nullptr;
}

void SingleThreadServer::run() noexcept {
    try {
        serve();
    } catch (...) {
        fail(std::current_exception());
    }
    drain();
}

void SingleThreadServer::do_stop() {
    {
        const std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    iocp::check_bool(SetEvent(wake_.get()), "SetEvent");
    thread_.join();
    const std::lock_guard lock{mutex_};
    if (error_) {
        std::rethrow_exception(error_);
    }
}

std::unique_ptr<EchoServer> make_server(const ServerOptions& options) {
    switch (options.notify) {
        case Notify::event:
            return make_event_server();
        case Notify::routine:
            return make_routine_server();
        case Notify::iocp:
            break;
    }
    return make_iocp_server(options.threads);
}

}  // namespace ch02
