// ch04_echo_server/server/server_core.cpp: the session table and the count stop() waits on
// (see server_core.h).
#include "server_core.h"

#include <utility>

namespace ch04 {

SessionTable::Added SessionTable::add(std::shared_ptr<PerSocketContext> session,
                                      std::size_t max_sessions) {
    const std::lock_guard lock{mutex_};
    if (stopping_) {
        return Added::stopping;
    }
    if (max_sessions != 0 && sessions_.size() >= max_sessions) {
        return Added::full;
    }
    PerSocketContext* const key = session.get();
    sessions_.emplace(key, std::move(session));
    alive_ = sessions_.size();
    return Added::yes;
}

std::shared_ptr<PerSocketContext> SessionTable::remove(PerSocketContext& session) {
    const std::lock_guard lock{mutex_};
    const auto found = sessions_.find(&session);
    if (found == sessions_.end()) {
        return nullptr;  // another thread that saw it closing and idle took it out first
    }
    std::shared_ptr<PerSocketContext> owned = std::move(found->second);
    sessions_.erase(found);
    alive_ = sessions_.size();
    return owned;
}

std::vector<std::shared_ptr<PerSocketContext>> SessionTable::snapshot() const {
    std::vector<std::shared_ptr<PerSocketContext>> copy;
    const std::lock_guard lock{mutex_};
    copy.reserve(sessions_.size());
    for (const auto& entry : sessions_) {
        copy.push_back(entry.second);
    }
    return copy;
}

void SessionTable::stop() {
    const std::lock_guard lock{mutex_};
    stopping_ = true;
}

void SessionTable::leak() {
    const std::lock_guard lock{mutex_};
    for (auto& entry : sessions_) {
        // A deliberate leak: an OVERLAPPED of it may still be written by the kernel.
        new std::shared_ptr<PerSocketContext>(std::move(entry.second));
    }
    sessions_.clear();
    alive_ = 0;
}

void DeferredReceives::push(PerSocketContext& session, DWORD bytes) noexcept {
    const std::lock_guard lock{mutex_};
    session.deferred_next = nullptr;
    session.deferred_bytes = bytes;
    if (tail_ == nullptr) {
        head_ = &session;
    } else {
        tail_->deferred_next = &session;
    }
    tail_ = &session;
    size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

PerSocketContext* DeferredReceives::take(std::size_t most) noexcept {
    const std::lock_guard lock{mutex_};
    PerSocketContext* const first = head_;
    if (first == nullptr || most == 0) {
        return nullptr;
    }
    PerSocketContext* last = first;
    std::size_t count = 1;
    for (; count < most && last->deferred_next != nullptr; ++count) {
        last = last->deferred_next;
    }
    head_ = last->deferred_next;
    if (head_ == nullptr) {
        tail_ = nullptr;
    }
    last->deferred_next = nullptr;  // cut: the chain ends here
    size_.store(size_.load(std::memory_order_relaxed) - count, std::memory_order_relaxed);
    return first;
}

ServerCore::ServerCore(const ServerOptions& server_options, IoCalls io_calls, iocp::Logger& logger,
                       int worker_count)
    : options(server_options),
      calls(std::move(io_calls)),
      log(logger),
      port(iocp::CompletionPort::create(server_options.concurrency)),
      stats(static_cast<std::size_t>(worker_count) + extra_slots),
      workers_(worker_count) {}

void ServerCore::io_ended() noexcept {
    if (--io_in_flight_ == 0 && stopping) {
        const std::lock_guard lock{quiet_mutex_};
        quiet_.notify_all();
    }
}

void ServerCore::session_freed() {
    if (stopping) {
        const std::lock_guard lock{quiet_mutex_};
        quiet_.notify_all();
    }
}

bool ServerCore::wait_quiet(std::chrono::milliseconds limit) {
    std::unique_lock lock{quiet_mutex_};
    return quiet_.wait_for(lock, limit,
                           [this] { return io_in_flight_.load() == 0 && sessions.alive() == 0; });
}

}  // namespace ch04
