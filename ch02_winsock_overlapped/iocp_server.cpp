// ch02_winsock_overlapped/iocp_server.cpp: completions heard through a completion port.
//
// The notes' five steps: (1) open the device, here each accepted socket; (2) create the port;
// (3) associate each socket with the port, its completion key being its session; (4) start
// worker threads that wait in GetQueuedCompletionStatus; (5) handle each completion they take.
// Any worker may take any session's completion, so sessions are found through the key, and a
// session is touched by one worker at a time because it has one operation in flight at a time.
// Stopping: cancel every operation, wait until every session is freed, then post one sentinel
// completion per worker and join them.
#include "echo_server.h"
#include "session.h"

#include "iocp/error.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ch02 {
namespace {

constexpr auto drain_limit = std::chrono::seconds{10};
// Sessions' keys are their addresses, never 0, so 0 can mean "stop".
constexpr ULONG_PTR shutdown_key = 0;

// [snippet:create_port]
// CreateIoCompletionPort's first role: make a new port. No device yet (INVALID_HANDLE_VALUE,
// no existing port, no key). `concurrency`: the port hands a waiting thread a packet only while
// fewer of its threads than this run (0: one per CPU). It preempts no one, so more can run.
iocp::UniqueHandle create_port(DWORD concurrency) {
    return iocp::UniqueHandle{
        iocp::check_handle(CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, concurrency),
                           "CreateIoCompletionPort")};
}

// Its second role: add a device to an existing port's device list. Every completion of an
// operation on `socket` is queued to `port` carrying `key`. Returns nothing new: on success the
// call returns `port` itself, and the concurrency argument is ignored.
void associate(HANDLE port, SOCKET socket, ULONG_PTR key) {
    const HANDLE result = CreateIoCompletionPort(reinterpret_cast<HANDLE>(socket), port, key, 0);
    if (result != port) {
        iocp::throw_last_error("CreateIoCompletionPort");
    }
}
// [/snippet]

class IocpServer final : public EchoServer {
public:
    explicit IocpServer(int threads);
    ~IocpServer() override { stop_quietly(); }

    void adopt(iocp::UniqueSocket socket) override;

private:
    void do_stop() override;
    void work() noexcept;
    void handle(Session& session, DWORD error, DWORD bytes);
    // Removes a session with nothing in flight from the registry; the caller frees it.
    std::unique_ptr<Session> unregister(Session& session);

    iocp::UniqueHandle port_;
    std::mutex mutex_;
    std::condition_variable all_closed_;
    std::unordered_map<Session*, std::unique_ptr<Session>> sessions_;  // guarded by mutex_
    bool stopping_ = false;                                            // guarded by mutex_
    std::exception_ptr error_;                                         // guarded by mutex_
    std::vector<std::thread> workers_;
};

int worker_count(int requested) {
    if (requested > 0) {
        return requested;
    }
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

IocpServer::IocpServer(int threads)
    : EchoServer(threads),
      port_(create_port(0)) {  // step 2: the port; concurrency 0 = the number of CPUs
    // Step 4: the workers. Each waits in GetQueuedCompletionStatus until a completion comes.
    for (int i = 0; i < threads; ++i) {
        workers_.emplace_back([this] { work(); });
    }
}

// [snippet:iocp_adopt]
void IocpServer::adopt(iocp::UniqueSocket socket) {
    auto owned = std::make_unique<Session>();
    Session& session = *owned;
    session.socket = std::move(socket);  // step 1: the device
    // Step 3: the socket joins the port's device list; its key is its session.
    associate(port_.get(), session.socket.get(), reinterpret_cast<ULONG_PTR>(&session));
    const std::lock_guard lock{mutex_};
    if (stopping_) {
        return;  // nothing in flight: `owned` frees it
    }
    sessions_.emplace(&session, std::move(owned));
    ++counters_.accepted;
    // The first receive. Posting under the lock keeps it from slipping past stop()'s cancel.
    if (post_next(session, nullptr) != 0) {
        ++counters_.failed_at_once;  // nothing in flight: no completion will come
        static_cast<void>(unregister(session));
    }
}
// [/snippet]

// [snippet:iocp_worker]
// Step 5: take completions, one at a time, until the sentinel.
void IocpServer::work() noexcept {
    try {
        for (;;) {
            DWORD bytes = 0;
            ULONG_PTR key = 0;
            OVERLAPPED* overlapped = nullptr;
            const BOOL ok =
                GetQueuedCompletionStatus(port_.get(), &bytes, &key, &overlapped, INFINITE);
            if (overlapped == nullptr) {
                if (!ok) {  // nothing was dequeued: the port itself failed
                    iocp::throw_last_error("GetQueuedCompletionStatus");
                }
                if (key == shutdown_key) {
                    return;  // a sentinel from stop(): this worker's last completion
                }
                continue;
            }
            // FALSE with an OVERLAPPED: an operation completed with an error, not the port.
            const DWORD error = ok ? ERROR_SUCCESS : GetLastError();
            handle(*reinterpret_cast<Session*>(key), error, bytes);
        }
    } catch (...) {
        const std::lock_guard lock{mutex_};
        if (!error_) {
            error_ = std::current_exception();
        }
    }
}
// [/snippet]

void IocpServer::handle(Session& session, DWORD error, DWORD bytes) {
    tally_.record(GetCurrentThreadId());
    ++counters_.completions;
    if (error == ERROR_SUCCESS && session.pending == IoType::send) {
        counters_.bytes_echoed += bytes;
    }
    const bool goes_on = apply_completion(session, error, bytes);
    std::unique_ptr<Session> finished;
    {
        const std::lock_guard lock{mutex_};
        if (goes_on && !stopping_) {
            const int failed = post_next(session, nullptr);
            if (failed == 0) {
                return;  // in flight: its completion may already be on another worker
            }
            ++counters_.failed_at_once;
        }
        finished = unregister(session);
    }
    // `finished` closes its socket and is freed here, outside the lock.
}

std::unique_ptr<Session> IocpServer::unregister(Session& session) {
    auto found = sessions_.find(&session);
    std::unique_ptr<Session> owned = std::move(found->second);
    sessions_.erase(found);
    counters_.count_closed();
    if (sessions_.empty()) {
        all_closed_.notify_all();
    }
    return owned;
}

void IocpServer::do_stop() {
    // [snippet:iocp_stop]
    std::unique_lock lock{mutex_};
    stopping_ = true;  // from now on no worker posts a new operation
    for (const auto& entry : sessions_) {
        Session& session = *entry.second;
        if (!CancelIoEx(reinterpret_cast<HANDLE>(session.socket.get()), &session.overlapped)) {
            const DWORD error = GetLastError();
            // ERROR_NOT_FOUND: it completed; its packet is queued or taken.
            if (error != ERROR_NOT_FOUND) {
                iocp::report_cleanup_failure("CancelIoEx", error);
            }
        }
    }
    // Each operation still completes: ERROR_OPERATION_ABORTED if the cancel caught it, success
    // if it finished first. Its worker frees the session whatever the code. Only when none is
    // left may the workers go.
    const bool drained = all_closed_.wait_for(lock, drain_limit, [&] { return sessions_.empty(); });
    lock.unlock();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        iocp::check_bool(PostQueuedCompletionStatus(port_.get(), 0, shutdown_key, nullptr),
                         "PostQueuedCompletionStatus");
    }
    for (std::thread& worker : workers_) {
        worker.join();
    }
    workers_.clear();
    // [/snippet]
    if (!drained) {
        // Still in flight, so still the kernel's: leak them rather than free them.
        const std::lock_guard relock{mutex_};
        for (auto& entry : sessions_) {
            static_cast<void>(entry.second.release());
        }
        sessions_.clear();
        iocp::throw_win32_error("IocpServer::stop: sessions still in flight", WAIT_TIMEOUT);
    }
    port_.close();
    if (error_) {
        std::rethrow_exception(error_);
    }
}

}  // namespace

std::unique_ptr<EchoServer> make_iocp_server(int threads) {
    return std::make_unique<IocpServer>(worker_count(threads));
}

}  // namespace ch02
