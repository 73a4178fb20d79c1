// ch04_echo_server/server/housekeeper.h: the thread that acts on time, not on completions.
//
// It closes sessions past a limit (--idle-timeout: silent that long; --send-stall: their echo
// did not move that long, as when a client stops reading) and posts again the accept slots
// whose retry time has come. It sleeps until the earliest deadline it knows of, or until told
// of a new one, never polling: a session's deadline is set by what happens to it, and none set
// after a look can fall before that look plus the shorter limit, so that bounds each sleep.
#pragma once
#include "acceptor.h"
#include "server_core.h"
#include "session_timeouts.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace ch04 {

class Housekeeper {
public:
    Housekeeper(ServerCore& core, Acceptor& acceptor);
    ~Housekeeper();  // stop()
    Housekeeper(const Housekeeper&) = delete;
    Housekeeper& operator=(const Housekeeper&) = delete;

    void wake();  // something new is due (an accept retry): look again now
    void stop();  // returns once the thread has left

private:
    using Clock = std::chrono::steady_clock;
    void run() noexcept;
    // Closes the sessions past a limit; returns the earliest deadline of those left.
    std::optional<Clock::time_point> reap(Clock::time_point now);

    ServerCore& core_;
    Acceptor& acceptor_;
    const TimeoutOptions limits_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool woken_ = false;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace ch04
