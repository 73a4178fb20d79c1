// ch03_iocp_internals/model/mini_port.h: a completion port in user space, on the port model.
//
// MiniPort runs the same state machine as the simulator (port_model.h), guarded by one mutex,
// with one condition variable per thread so that a packet can wake exactly the thread the rules
// choose: the newest waiter (LIFO), and only while fewer than the concurrency value run.
//
// What user space cannot do: the kernel sees every thread of a port block and wake (R4, R5),
// in any call. A user-space port cannot; a worker must say so itself, by holding a
// BlockingScope around anything that may block. Forget one and the port keeps counting the
// blocked thread as running, so fewer threads run than could.
#pragma once
#include "port_model.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ch03::model {

class MiniPort {
public:
    // concurrency 0: one running thread per processor (R1).
    explicit MiniPort(unsigned concurrency,
                      unsigned processors = std::thread::hardware_concurrency());
    MiniPort(const MiniPort&) = delete;
    MiniPort& operator=(const MiniPort&) = delete;

    // PostQueuedCompletionStatus.
    void post(std::uint64_t key, std::uint32_t bytes = 0, std::uint64_t overlapped = 0);
    // GetQueuedCompletionStatus: a packet, or nothing when the timeout passed or the port was
    // closed. A zero timeout never blocks.
    std::optional<Packet> get(std::chrono::milliseconds timeout);
    // The calling thread leaves the port, as a thread does when it exits (R6). Call it before
    // a worker thread returns, or the port counts it as running for ever.
    void leave();
    // Wakes every waiter with nothing (R8). Later calls of get() return nothing at once.
    void close();

    // While alive, the calling thread counts as blocked elsewhere (R4); then it runs again (R5).
    class BlockingScope {
    public:
        explicit BlockingScope(MiniPort& port);
        ~BlockingScope();
        BlockingScope(const BlockingScope&) = delete;
        BlockingScope& operator=(const BlockingScope&) = delete;

    private:
        MiniPort& port_;
    };

    unsigned running() const;            // CurrentCount
    std::size_t waiting() const;         // threads blocked in get()
    unsigned most_running_seen() const;  // the highest CurrentCount so far

private:
    std::string this_thread_name();  // T1, T2... in the order threads first use the port
    // Wakes each thread that left the waiting stack during the last model operation.
    void wake_released(const std::vector<std::string>& waiting_before);
    void note_count();

    mutable std::mutex mutex_;
    PortModel model_;                                      // guarded by mutex_
    std::map<std::thread::id, std::string> names_;         // guarded by mutex_
    std::map<std::string, std::condition_variable> wake_;  // one per thread; guarded by mutex_
    unsigned most_running_ = 0;                            // guarded by mutex_
};

}  // namespace ch03::model
