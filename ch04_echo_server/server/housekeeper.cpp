// ch04_echo_server/server/housekeeper.cpp: timeouts and accept retries (see housekeeper.h).
#include "housekeeper.h"

#include "session.h"

#include <algorithm>

namespace ch04 {

Housekeeper::Housekeeper(ServerCore& core, Acceptor& acceptor)
    : core_(core),
      acceptor_(acceptor),
      limits_{core.options.idle_timeout, core.options.send_stall},
      thread_([this] { run(); }) {}

Housekeeper::~Housekeeper() {
    stop();
}

void Housekeeper::wake() {
    {
        const std::lock_guard lock{mutex_};
        woken_ = true;
    }
    wake_.notify_one();
}

void Housekeeper::stop() {
    {
        const std::lock_guard lock{mutex_};
        stopped_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
}

// [snippet:reaper]
// A session whose reading is paused is never idle (it waits for its client to read), but it
// can stall: that is what closes a client that sends and never reads. Closing cancels the
// session's I/O, and its last completion frees it, as for any other close.
std::optional<Housekeeper::Clock::time_point> Housekeeper::reap(Clock::time_point now) {
    SessionHandler sessions{core_, core_.slot(Slot::housekeeper)};
    std::optional<Clock::time_point> earliest;
    int idle = 0;
    int stalled = 0;
    // A copy of the table: sessions are visited without its lock (server_core.h).
    for (const auto& session : core_.sessions.snapshot()) {
        std::optional<Clock::time_point> deadline;
        switch (sessions.close_if_expired(*session, limits_, now, deadline)) {
            case CloseReason::idle:
                ++idle;
                break;
            case CloseReason::send_stalled:
                ++stalled;
                break;
            case CloseReason::none:
                if (deadline && (!earliest || *deadline < *earliest)) {
                    earliest = deadline;
                }
                break;
        }
    }
    if (idle + stalled > 0) {
        core_.log.info("closed ", idle, " sessions silent for ", limits_.idle.count(),
                       " ms (--idle-timeout), ", stalled, " whose echo did not move for ",
                       limits_.send_stall.count(), " ms (--send-stall)");
    }
    return earliest;
}
// [/snippet]

// [snippet:housekeeper_loop]
void Housekeeper::run() noexcept {
    const auto positive = [](std::chrono::milliseconds limit) {
        return limit > std::chrono::milliseconds::zero();
    };
    std::optional<std::chrono::milliseconds> shorter;
    for (const std::chrono::milliseconds limit : {limits_.idle, limits_.send_stall}) {
        if (positive(limit)) {
            shorter = shorter ? std::min(*shorter, limit) : limit;
        }
    }
    std::unique_lock lock{mutex_};
    while (!stopped_) {
        lock.unlock();
        std::optional<Clock::time_point> next;
        try {
            const Clock::time_point now = Clock::now();
            acceptor_.retry_due(now);
            next = acceptor_.next_retry();
            if (shorter) {
                // Any deadline set after this look is at least the shorter limit away.
                Clock::time_point until = now + *shorter;
                if (const auto deadline = reap(now)) {
                    until = std::min(until, *deadline);
                }
                next = next ? std::min(*next, until) : until;
            }
        } catch (const std::exception& e) {
            core_.log.error("housekeeping: ", e.what());
            next = Clock::now() + std::chrono::seconds{1};  // try again, not in a tight loop
        }
        lock.lock();
        const auto done = [this] { return stopped_ || woken_; };
        if (next) {
            wake_.wait_until(lock, *next, done);
        } else {
            wake_.wait(lock, done);  // nothing is due: only wake() or stop() can change that
        }
        woken_ = false;
    }
}
// [/snippet]

}  // namespace ch04
