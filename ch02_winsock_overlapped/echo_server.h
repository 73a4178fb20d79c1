// ch02_winsock_overlapped/echo_server.h: one echo server, three ways to hear of completions.
//
// Every server here echoes what each client sends, with exactly one overlapped operation per
// client in flight at a time: a WSARecv, then WSASends until the bytes are all back, then the
// next WSARecv. They differ only in how they learn that an operation finished:
//   event    an event per operation in OVERLAPPED.hEvent; one thread waits on them all with
//            WSAWaitForMultipleEvents (at most 64 at once);
//   routine  a completion routine per operation; the issuing thread runs it, and only while it
//            waits alertably;
//   iocp     a completion port; a pool of worker threads takes completions from its queue.
#pragma once
#include "iocp/handle.h"
#include "iocp/socket.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ch02 {

enum class Notify { event, routine, iocp };

std::string_view notify_name(Notify notify) noexcept;

struct ServerOptions {
    Notify notify = Notify::iocp;
    int threads = 0;  // iocp: worker threads (0 = one per CPU); the other models use one thread
};

// The event model's wait holds the server's wake-up event plus one event per client.
inline constexpr int event_model_max_clients = WSA_MAXIMUM_WAIT_EVENTS - 1;

// What the server did, for reports and tests.
struct ServerStats {
    std::uint64_t accepted = 0;        // sessions started
    std::uint64_t refused = 0;         // event model: clients beyond its 63
    std::uint64_t failed_at_once = 0;  // WSARecv/WSASend that failed instead of pending
    std::uint64_t closed = 0;          // sessions ended and freed
    std::uint64_t completions = 0;     // completions handled (sentinels not counted)
    std::uint64_t bytes_echoed = 0;
    int threads = 0;  // threads that can handle completions
    // Completions handled per thread, in the order the threads first handled one.
    std::vector<std::uint64_t> completions_per_thread;
};

// The counters behind ServerStats, updated by any server thread.
class Counters {
public:
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> failed_at_once{0};
    std::atomic<std::uint64_t> completions{0};
    std::atomic<std::uint64_t> bytes_echoed{0};

    void count_closed();  // a session ended and was freed
    std::uint64_t closed() const;
    // Waits until `count` sessions have closed, or `limit` passes; returns whether they did.
    bool wait_closed(std::uint64_t count, std::chrono::milliseconds limit) const;

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::uint64_t closed_ = 0;  // guarded by mutex_
};

// Counts completions per thread; safe to call from many threads.
class CompletionTally {
public:
    void record(DWORD thread_id);
    std::vector<std::uint64_t> per_thread() const;
    std::vector<DWORD> thread_ids() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<DWORD, std::uint64_t>> counts_;  // in order of first completion
};

// A ServerStats from the counters and the tally.
ServerStats snapshot(const Counters& counters, const CompletionTally& tally, int threads);

class EchoServer {
public:
    virtual ~EchoServer() = default;
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    // Takes a connected overlapped socket and starts echoing on it. Called by the Acceptor.
    virtual void adopt(iocp::UniqueSocket socket) = 0;
    // Cancels what is in flight, waits for every completion, frees every session and joins
    // every thread. Rethrows the first error a server thread met. Only the first call acts.
    void stop();

    ServerStats stats() const { return snapshot(counters_, tally_, threads_); }
    // The ids of the threads that handled completions (tests check where routines ran).
    std::vector<DWORD> completion_threads() const { return tally_.thread_ids(); }
    // Waits until `count` sessions have ended, or `limit` passes; returns whether they did.
    bool wait_closed(std::uint64_t count, std::chrono::milliseconds limit) const {
        return counters_.wait_closed(count, limit);
    }

protected:
    explicit EchoServer(int threads) : threads_(threads) {}
    // For the destructors of derived servers, which must stop their threads before their
    // members go: stop(), reporting a failure on stderr instead of throwing it.
    void stop_quietly() noexcept;

    Counters counters_;
    CompletionTally tally_;

private:
    virtual void do_stop() = 0;

    int threads_;  // threads that handle completions
    bool stopped_ = false;
};

// The event and routine servers: one thread does all the I/O. Other threads (the acceptor, the
// one calling stop) reach it through a queue of new sockets and a wake-up event.
class SingleThreadServer : public EchoServer {
public:
    void adopt(iocp::UniqueSocket socket) override;

protected:
    SingleThreadServer();
    // Starts the server thread; the derived constructor's last line.
    void start_thread();
    HANDLE wake_event() const noexcept { return wake_.get(); }
    // Starts a session for each socket adopted since the last call; false once stop() asked
    // (then it starts none). Call on the server thread when the wake-up event is set.
    bool start_incoming();
    // Ends the server thread's loop with this error (used where throwing is not allowed).
    void fail(std::exception_ptr error) noexcept;
    bool failed() const;

private:
    void do_stop() final;
    void run() noexcept;
    virtual void serve() = 0;  // the loop; returns when start_incoming() says stop
    virtual void start(iocp::UniqueSocket socket) = 0;  // a new session's first operation
    virtual void drain() noexcept = 0;  // then: cancel, collect and free what is in flight

    iocp::UniqueHandle wake_;  // auto-reset: adopt(), stop() and fail() set it
    mutable std::mutex mutex_;
    std::vector<iocp::UniqueSocket> incoming_;  // guarded by mutex_
    bool stopping_ = false;                     // guarded by mutex_
    std::exception_ptr error_;                  // guarded by mutex_
    std::thread thread_;
};

std::unique_ptr<EchoServer> make_event_server();
std::unique_ptr<EchoServer> make_routine_server();
std::unique_ptr<EchoServer> make_iocp_server(int threads);
std::unique_ptr<EchoServer> make_server(const ServerOptions& options);

}  // namespace ch02
