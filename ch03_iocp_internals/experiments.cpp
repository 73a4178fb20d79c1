// ch03_iocp_internals/experiments.cpp: each experiment beside the model's prediction.
#include "experiments.h"

#include "model/port_model.h"

#include "iocp/completion_port.h"
#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/wine.h"

#include <winternl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace ch03 {
namespace {

constexpr DWORD limit_ms = 10'000;  // no step of an experiment may take longer
constexpr ULONG_PTR stop_key = 0;   // the shutdown sentinel's key

ExperimentReport titled(std::string name, std::string title) {
    ExperimentReport report;
    report.name = std::move(name);
    report.title = std::move(title);
    return report;
}

Finding compare(std::string what, std::string predicted, std::string measured,
                std::string why_if_differs = "") {
    Finding finding{std::move(what), std::move(predicted), std::move(measured), false, ""};
    finding.matches = finding.predicted == finding.measured;
    if (!finding.matches) {
        finding.why = std::move(why_if_differs);
    }
    return finding;
}

std::string wine_or_empty(const std::string& why) {
    return iocp::running_under_wine() ? "Wine " + iocp::wine_version() + ": " + why : "";
}

// Takes one packet, or throws: every experiment expects its packets within the limit.
iocp::Completion take(iocp::CompletionPort& port) {
    const iocp::Dequeued dequeued = port.get(limit_ms);
    if (dequeued.outcome == iocp::DequeueOutcome::no_packet) {
        iocp::throw_win32_error("GetQueuedCompletionStatus", dequeued.completion.error);
    }
    return dequeued.completion;
}

// A worker's next packet; nothing for the sentinel (or when none came within the limit).
std::optional<iocp::Completion> next_work(iocp::CompletionPort& port) {
    const iocp::Dequeued dequeued = port.get(limit_ms);
    if (dequeued.outcome == iocp::DequeueOutcome::no_packet ||
        dequeued.completion.key == stop_key) {
        return std::nullopt;
    }
    return dequeued.completion;
}

// [snippet:per_io_context]
// The extended OVERLAPPED (3장: PerIoOperationData): the OVERLAPPED first, then what the
// request needs until it completes. A completion hands back the OVERLAPPED*, and the
// context is found from it.
enum class IoType { receive, send };

struct PerIoContext {
    WSAOVERLAPPED overlapped{};  // the kernel's until the completion is dequeued: keep it alive
    IoType type = IoType::receive;
    WSABUF wsabuf{};
    std::array<char, 256> buffer{};  // the kernel reads or fills it until then too
};
static_assert(std::is_standard_layout_v<PerIoContext>);
static_assert(offsetof(PerIoContext, overlapped) == 0);

PerIoContext* context_of(OVERLAPPED* overlapped) {
    // CONTAINING_RECORD subtracts the member's offset (0 here, but the macro does not rely on
    // it): the pointer back to the whole context, with no cast that assumes the layout.
    return CONTAINING_RECORD(overlapped, PerIoContext, overlapped);
}
// [/snippet]

// Posts an overlapped WSARecv (or WSASend of `text`) for `context`.
void post(SOCKET socket, PerIoContext& context, IoType type, std::string_view text = {}) {
    context.overlapped = WSAOVERLAPPED{};
    context.type = type;
    context.wsabuf.buf = context.buffer.data();
    int result = 0;
    if (type == IoType::receive) {
        context.wsabuf.len = static_cast<ULONG>(context.buffer.size());
        DWORD flags = 0;
        result = WSARecv(socket, &context.wsabuf, 1, nullptr, &flags, &context.overlapped, nullptr);
    } else {
        context.wsabuf.len = static_cast<ULONG>(text.copy(context.buffer.data(), 256));
        result = WSASend(socket, &context.wsabuf, 1, nullptr, 0, &context.overlapped, nullptr);
    }
    if (result == SOCKET_ERROR && WSAGetLastError() != WSA_IO_PENDING) {
        iocp::throw_last_wsa_error(type == IoType::receive ? "WSARecv" : "WSASend");
    }
}

// Owns the contexts of one experiment. On the way out, a context still in flight is
// cancelled and waited for; one that never completes is leaked, never freed under the kernel.
class Contexts {
public:
    PerIoContext& make(SOCKET socket) {
        entries_.push_back({socket, std::make_unique<PerIoContext>()});
        return *entries_.back().context;
    }
    ~Contexts() {
        for (Entry& entry : entries_) {
            OVERLAPPED* overlapped = &entry.context->overlapped;
            if (HasOverlappedIoCompleted(overlapped)) {
                continue;
            }
            if (!CancelIoEx(reinterpret_cast<HANDLE>(entry.socket), overlapped)) {
                iocp::report_cleanup_failure("CancelIoEx", GetLastError());
            }
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
            while (!HasOverlappedIoCompleted(overlapped) &&
                   std::chrono::steady_clock::now() < deadline) {
                SwitchToThread();
            }
            if (!HasOverlappedIoCompleted(overlapped)) {
                static_cast<void>(entry.context.release());  // still the kernel's
            }
        }
    }

private:
    struct Entry {
        SOCKET socket;
        std::unique_ptr<PerIoContext> context;
    };
    std::vector<Entry> entries_;
};

void send_text(SOCKET socket, std::string_view text) {
    iocp::check_wsa(send(socket, text.data(), static_cast<int>(text.size()), 0), "send");
}

// ---------------------------------------------------------------------------------------------

ExperimentReport device_list() {
    ExperimentReport report =
        titled("device_list", "The device list: each completion carries its key");
    model::PortModel model(1, 1);
    model.associate("sock A", 1);
    model.associate("sock B", 2);
    const std::uint64_t predicted_b = model.complete_io("sock B", 1, 0, 0)->key;
    const std::uint64_t predicted_a = model.complete_io("sock A", 1, 0, 0)->key;
    const bool predicted_rebind = model.associate("sock A", 3);

    iocp::WinsockSession winsock;
    iocp::CompletionPort port = iocp::CompletionPort::create(1);
    iocp::SocketPair a = iocp::make_socket_pair();
    iocp::SocketPair b = iocp::make_socket_pair();
    Contexts contexts;
    port.associate(a.server.get(), 1);
    port.associate(b.server.get(), 2);
    PerIoContext& receive_a = contexts.make(a.server.get());
    PerIoContext& receive_b = contexts.make(b.server.get());
    post(a.server.get(), receive_a, IoType::receive);
    post(b.server.get(), receive_b, IoType::receive);
    send_text(b.client.get(), "b");
    const iocp::Completion first = take(port);
    send_text(a.client.get(), "a");
    const iocp::Completion second = take(port);
    std::string rebind = "succeeds";
    try {
        port.associate(a.server.get(), 3);
    } catch (const std::system_error& e) {
        rebind = "fails, error " + std::to_string(e.code().value());
    }
    report.findings.push_back(compare("key of sock B's completion (sent first)",
                                      std::to_string(predicted_b), std::to_string(first.key)));
    report.findings.push_back(compare("key of sock A's completion", std::to_string(predicted_a),
                                      std::to_string(second.key)));
    report.findings.push_back(compare(
        "OVERLAPPED* of sock B's completion", "sock B's receive",
        first.overlapped == &receive_b.overlapped ? "sock B's receive" : "another request"));
    report.findings.push_back(compare("associating sock A a second time",
                                      predicted_rebind ? "succeeds" : "fails, error 87", rebind));
    return report;
}

ExperimentReport extended_overlapped() {
    ExperimentReport report = titled(
        "extended_overlapped", "The extended OVERLAPPED: from a completion back to its request");
    iocp::WinsockSession winsock;
    iocp::CompletionPort port = iocp::CompletionPort::create(1);
    iocp::SocketPair pair = iocp::make_socket_pair();
    Contexts contexts;
    port.associate(pair.server.get(), 7);
    PerIoContext& receive = contexts.make(pair.server.get());
    PerIoContext& reply = contexts.make(pair.server.get());
    post(pair.server.get(), receive, IoType::receive);
    send_text(pair.client.get(), "ping");
    // [snippet:recover_context]
    const iocp::Completion done = take(port);
    PerIoContext* context = context_of(done.overlapped);  // which request, of which kind
    // [/snippet]
    const std::string first =
        std::string(context->type == IoType::receive ? "a receive" : "a send") + " of \"" +
        std::string(context->buffer.data(), done.bytes) + "\"";
    post(pair.server.get(), reply, IoType::send, "pong");
    const iocp::Completion sent = take(port);
    const PerIoContext* reply_context = context_of(sent.overlapped);
    report.findings.push_back(compare("first completion leads to", "a receive of \"ping\"", first));
    report.findings.push_back(
        compare("second completion leads to", "a send of 4 bytes",
                std::string(reply_context->type == IoType::send ? "a send" : "a receive") + " of " +
                    std::to_string(sent.bytes) + " bytes"));
    report.findings.push_back(compare("both carry the socket's key", "7, 7",
                                      std::to_string(done.key) + ", " + std::to_string(sent.key)));
    return report;
}

ExperimentReport pqcs() {
    ExperimentReport report = titled("pqcs",
                                     "PostQueuedCompletionStatus: a queue between threads, and "
                                     "shutdown");
    constexpr int messages = 100;
    constexpr int workers = 3;
    // Use 1: a producer posts numbered packets; a consumer takes them in the order posted.
    iocp::CompletionPort port = iocp::CompletionPort::create(0);
    std::vector<ULONG_PTR> received;
    std::thread consumer([&] {
        for (int i = 0; i < messages; ++i) {
            const iocp::Dequeued dequeued = port.get(limit_ms);
            if (dequeued.outcome != iocp::DequeueOutcome::completed) {
                return;
            }
            received.push_back(dequeued.completion.key);
        }
    });
    for (int i = 1; i <= messages; ++i) {
        port.post(0, static_cast<ULONG_PTR>(i));
    }
    consumer.join();
    bool in_order = received.size() == messages;
    for (std::size_t i = 0; in_order && i < received.size(); ++i) {
        in_order = received[i] == i + 1;
    }
    report.findings.push_back(compare("100 posted packets arrive", "all, in the order posted",
                                      in_order
                                          ? "all, in the order posted"
                                          : std::to_string(received.size()) + ", out of order"));
    // [snippet:sentinel_shutdown]
    // Use 2: shutdown. Each worker leaves on the first packet with the stop key; one per worker.
    std::atomic<int> stopped{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < workers; ++i) {
        pool.emplace_back([&] {
            for (;;) {
                const iocp::Dequeued dequeued = port.get(limit_ms);
                if (dequeued.outcome == iocp::DequeueOutcome::no_packet) {
                    return;  // never reached unless a sentinel went missing
                }
                if (dequeued.completion.key == stop_key) {
                    ++stopped;
                    return;
                }
            }
        });
    }
    for (int i = 0; i < workers; ++i) {
        port.post(0, stop_key);
    }
    for (std::thread& worker : pool) {
        worker.join();
    }
    // [/snippet]
    report.findings.push_back(compare("workers stopped by a sentinel", "3 of 3",
                                      std::to_string(stopped.load()) + " of 3"));
    return report;
}

// A CPU-bound handler: about a millisecond of arithmetic, the same amount every time.
unsigned busy_work(unsigned seed) {
    for (unsigned k = 0; k < 400'000; ++k) {
        seed = seed * 1'664'525u + 1'013'904'223u;
    }
    return seed;
}

// Raises `most` to `value` if it is larger.
void raise_to(std::atomic<int>& most, int value) {
    int seen = most.load();
    while (value > seen && !most.compare_exchange_weak(seen, value)) {
    }
}

ExperimentReport concurrency() {
    ExperimentReport report =
        titled("concurrency", "The concurrency value: N workers, at most K run");
    constexpr int workers = 4;
    constexpr DWORD limit = 2;
    constexpr int packets = 40;
    model::PortModel model(limit, 8);
    for (int i = 1; i <= workers; ++i) {
        model.get("T" + std::to_string(i), false);
    }
    for (int i = 0; i < packets; ++i) {
        model.post(1, 0, 0);
    }
    const unsigned predicted_running = model.current_count();

    iocp::CompletionPort port = iocp::CompletionPort::create(limit);
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    std::atomic<unsigned> sink{0};
    std::vector<std::atomic<int>> handled(workers);
    std::vector<std::thread> pool;
    for (int i = 0; i < workers; ++i) {
        pool.emplace_back([&, i] {
            for (;;) {
                if (!next_work(port)) {
                    return;
                }
                raise_to(most, ++running);
                sink += busy_work(static_cast<unsigned>(i));
                --running;
                ++handled[static_cast<std::size_t>(i)];
            }
        });
    }
    for (int i = 0; i < packets; ++i) {
        port.post(0, 1);
    }
    for (int i = 0; i < workers; ++i) {
        port.post(0, stop_key);
    }
    for (std::thread& worker : pool) {
        worker.join();
    }
    int threads_used = 0;
    std::string spread = "packets per worker:";
    for (std::size_t i = 0; i < handled.size(); ++i) {
        threads_used += handled[i].load() > 0 ? 1 : 0;
        spread += (i == 0 ? " W" : ", W") + std::to_string(i + 1) + " " +
                  std::to_string(handled[i].load());
    }
    report.notes.push_back(spread);
    const std::string why = wine_or_empty("it ignores the concurrency value, so every worker runs");
    report.findings.push_back(compare("most handlers running at once (K = 2)",
                                      std::to_string(predicted_running),
                                      std::to_string(most.load()), why));
    report.findings.push_back(compare("workers that handled any packet", "at most 2 of 4",
                                      threads_used <= static_cast<int>(limit)
                                          ? "at most 2 of 4"
                                          : std::to_string(threads_used) + " of 4",
                                      why));
    return report;
}

// Whether the thread is blocked in a completion port's wait (KTHREAD_STATE Waiting, wait reason
// WrQueue), read from NtQuerySystemInformation(SystemProcessInformation). Nothing in Win32 tells
// this; the experiment needs it to know that each waiter is in place before the next starts.
bool blocked_on_port(DWORD thread_id) {
    if constexpr (sizeof(void*) != 8) {
        return false;  // the record layouts below are x64's
    } else {
        using Query = NTSTATUS(NTAPI*)(ULONG, PVOID, ULONG, PULONG);
        const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
        const auto query = ntdll == nullptr
                               ? nullptr
                               : reinterpret_cast<Query>(reinterpret_cast<void*>(
                                     GetProcAddress(ntdll, "NtQuerySystemInformation")));
        if (query == nullptr) {
            return false;
        }
        std::vector<std::byte> buffer(1 << 20);
        ULONG needed = 0;
        // SystemProcessInformation (5); grow the buffer while it is too small (bounded).
        NTSTATUS status = 0;
        for (int tries = 0; tries < 5; ++tries) {
            status = query(5, buffer.data(), static_cast<ULONG>(buffer.size()), &needed);
            if (status != static_cast<NTSTATUS>(0xC0000004L)) {  // STATUS_INFO_LENGTH_MISMATCH
                break;
            }
            buffer.resize(std::max<std::size_t>(needed, buffer.size()) * 2);
        }
        if (status < 0) {
            return false;
        }
        // x64: a process record is 0x100 bytes, its thread records (0x50 each) follow it.
        struct ThreadRecord {
            LARGE_INTEGER times[3];
            ULONG wait_time;
            PVOID start_address;
            HANDLE process_id;
            HANDLE thread_id;
            LONG priority;
            LONG base_priority;
            ULONG context_switches;
            ULONG state;
            ULONG wait_reason;
        };
        static_assert(sizeof(ThreadRecord) == 0x50);
        constexpr ULONG waiting = 5;    // KTHREAD_STATE Waiting
        constexpr ULONG wr_queue = 15;  // KWAIT_REASON WrQueue: KeRemoveQueue, i.e. a port
        std::size_t offset = 0;
        for (;;) {
            const std::byte* process = buffer.data() + offset;
            ULONG next = 0;
            ULONG threads = 0;
            std::memcpy(&next, process, sizeof(next));
            std::memcpy(&threads, process + 4, sizeof(threads));
            for (ULONG t = 0; t < threads; ++t) {
                ThreadRecord record{};
                std::memcpy(&record, process + 0x100 + t * sizeof(ThreadRecord), sizeof(record));
                if (reinterpret_cast<ULONG_PTR>(record.thread_id) == thread_id) {
                    return record.state == waiting && record.wait_reason == wr_queue;
                }
            }
            if (next == 0) {
                return false;
            }
            offset += next;
        }
    }
}

// Waits (bounded) until the thread is blocked on the port; false if that cannot be confirmed.
// Wine reports no thread states (every thread reads as state 0, reason 0), so there the
// experiment can only give each waiter time to get in place: its order is then not certain,
// and the report says so.
bool await_blocked(DWORD thread_id) {
    if (iocp::running_under_wine()) {
        Sleep(100);
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{2};
    while (std::chrono::steady_clock::now() < deadline) {
        if (blocked_on_port(thread_id)) {
            return true;
        }
        SwitchToThread();
    }
    return false;
}

ExperimentReport wake_order() {
    ExperimentReport report = titled("wake_order", "Which waiter gets the next packet");
    constexpr int workers = 3;
    model::PortModel model(1, 1);
    for (int i = 1; i <= workers; ++i) {
        model.get("W" + std::to_string(i), false);
    }
    model.post(1, 0, 0);
    std::string predicted;
    for (const model::ThreadView& thread : model.threads()) {
        if (thread.packet) {
            predicted = thread.name;
        }
    }

    iocp::CompletionPort port = iocp::CompletionPort::create(1);
    std::atomic<int> taker{0};
    std::vector<std::atomic<DWORD>> ids(workers);
    std::vector<std::thread> pool;
    bool confirmed = true;
    for (int i = 1; i <= workers; ++i) {
        std::atomic<DWORD>& id = ids[static_cast<std::size_t>(i - 1)];
        pool.emplace_back([&port, &taker, &id, i] {
            id = GetCurrentThreadId();
            for (;;) {
                if (!next_work(port)) {
                    return;
                }
                int none = 0;
                taker.compare_exchange_strong(none, i);
            }
        });
        while (id.load() == 0) {
            SwitchToThread();  // the thread starts at once; this only waits for its id
        }
        // The next waiter may start only once this one is surely in the port's wait.
        confirmed = await_blocked(id.load()) && confirmed;
    }
    port.post(0, 1);
    for (int i = 0; i < workers; ++i) {
        port.post(0, stop_key);
    }
    for (std::thread& worker : pool) {
        worker.join();
    }
    std::string why = wine_or_empty("it wakes the oldest waiter first (FIFO)");
    if (!confirmed) {
        why += (why.empty() ? "" : "; ") +
               std::string{"the waiters' states could not be read, so their order is not certain"};
    }
    report.findings.push_back(compare("waiters W1, W2, W3 (in that order); the packet goes to",
                                      predicted, "W" + std::to_string(taker.load()), why));
    return report;
}

ExperimentReport blocking() {
    ExperimentReport report =
        titled("blocking", "A released thread that blocks lets another run (limit 1)");
    model::PortModel model(1, 1);
    model.get("A", false);
    model.get("B", false);
    model.post(1, 0, 0);  // to B, the newest waiter
    model.post(2, 0, 0);
    model.block("B");
    const bool predicted_during = model.thread("A").packet.has_value();
    model.unblock("B");
    const unsigned predicted_both = model.current_count();

    iocp::CompletionPort port = iocp::CompletionPort::create(1);
    // Set by the second handler: the first handler's block lasts until the second packet is
    // taken (or 10 s, when the port never releases it), however slowly the threads start.
    const iocp::UniqueHandle second_taken{
        iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW")};
    std::atomic<bool> first_blocked{false};
    std::atomic<bool> first_awake{false};
    std::atomic<bool> second_ran_while_blocked{false};
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    std::atomic<int> taken{0};
    // A worker thread must not throw (std::terminate): its first error is kept for later.
    std::mutex failure_mutex;
    std::exception_ptr failure;
    auto worker = [&] {
        try {
            for (;;) {
                if (!next_work(port)) {
                    return;
                }
                raise_to(most, ++running);
                if (++taken == 1) {
                    // [snippet:block_in_handler]
                    // The first packet's handler really blocks: the event is not set yet, so the
                    // thread waits, as on a lock another thread holds or on a disk read. The port
                    // no longer counts it, so a waiter may take the next packet. Sleep(0), a free
                    // lock or an event already set would not block, and would free no place.
                    first_blocked = true;
                    const DWORD woke = WaitForSingleObject(second_taken.get(), 10'000);
                    first_blocked = false;
                    first_awake = true;
                    // [/snippet]
                    if (woke == WAIT_FAILED) {
                        iocp::throw_last_error("WaitForSingleObject");
                    }
                } else {
                    second_ran_while_blocked = first_blocked.load();
                    iocp::check_bool(SetEvent(second_taken.get()), "SetEvent");
                    // Keep running until the first is awake again, so both run at once (bounded).
                    const auto deadline =
                        std::chrono::steady_clock::now() + std::chrono::seconds{5};
                    while (!first_awake && std::chrono::steady_clock::now() < deadline) {
                        SwitchToThread();
                    }
                    raise_to(most, running.load());
                }
                --running;
            }
        } catch (...) {
            const std::lock_guard lock{failure_mutex};
            if (!failure) {
                failure = std::current_exception();
            }
        }
    };
    std::thread a(worker);
    std::thread b(worker);
    port.post(0, 1);
    port.post(0, 2);
    port.post(0, stop_key);
    port.post(0, stop_key);
    a.join();
    b.join();
    if (failure) {
        std::rethrow_exception(failure);
    }
    const std::string why = wine_or_empty(
        "it ignores the concurrency value, so the second packet did not wait for the block");
    report.findings.push_back(
        compare("the second packet is taken while the first handler is blocked",
                predicted_during ? "yes" : "no", second_ran_while_blocked ? "yes" : "no", why));
    report.findings.push_back(compare("threads running once the blocked one wakes (limit 1)",
                                      std::to_string(predicted_both), std::to_string(most.load())));
    return report;
}

ExperimentReport close_port() {
    ExperimentReport report =
        titled("close_port", "Closing the port while a thread waits on it (R8)");
    model::PortModel model(1, 1);
    model.get("W", false);
    model.close();
    const std::string predicted =
        "FALSE, no OVERLAPPED, error " + std::to_string(model.thread("W").returned_error.value());

    // Raw calls on purpose: iocp::CompletionPort never closes a port under a waiting thread.
    iocp::UniqueHandle port{iocp::check_handle(
        CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1), "CreateIoCompletionPort")};
    const HANDLE raw = port.get();
    constexpr DWORD wait_ms = 2'000;  // Wine never wakes the waiter: its wait runs out instead
    std::atomic<DWORD> id{0};
    std::string measured;
    std::thread waiter([raw, &id, &measured] {
        id = GetCurrentThreadId();
        DWORD bytes = 0;
        ULONG_PTR key = 0;
        OVERLAPPED* overlapped = nullptr;
        const BOOL got = GetQueuedCompletionStatus(raw, &bytes, &key, &overlapped, wait_ms);
        const DWORD error = got ? ERROR_SUCCESS : GetLastError();
        measured = std::string{got ? "TRUE" : "FALSE"} +
                   (overlapped == nullptr ? ", no OVERLAPPED" : ", an OVERLAPPED") + ", error " +
                   std::to_string(error);
    });
    while (id.load() == 0) {
        SwitchToThread();  // the thread starts at once; this only waits for its id
    }
    const bool confirmed = await_blocked(id.load());
    try {
        port.close();  // CloseHandle while the waiter is inside GQCS: what this measures
    } catch (...) {
        waiter.join();
        throw;
    }
    waiter.join();
    std::string why = wine_or_empty("it does not wake a thread waiting on a port that is closed");
    if (!confirmed) {
        why += (why.empty() ? "" : "; ") +
               std::string{"the waiter's state could not be read, so it may not have been waiting"};
    }
    report.findings.push_back(
        compare("GQCS in the waiting thread returns", predicted, measured, why));
    return report;
}

constexpr Experiment all[] = {
    {"device_list", "two devices, two keys: which key each completion carries", &device_list},
    {"extended_overlapped", "a PerIoContext recovered from the OVERLAPPED*", &extended_overlapped},
    {"pqcs", "PostQueuedCompletionStatus as an inter-thread queue and as shutdown", &pqcs},
    {"concurrency", "4 workers, limit 2, CPU-bound handlers", &concurrency},
    {"wake_order", "which of three waiters gets the next packet", &wake_order},
    {"blocking", "a handler that blocks lets another thread run", &blocking},
    {"close_port", "the port is closed while a thread waits in GQCS", &close_port},
};

}  // namespace

bool ExperimentReport::all_match() const {
    return std::all_of(findings.begin(), findings.end(),
                       [](const Finding& finding) { return finding.matches; });
}

std::span<const Experiment> experiments() {
    return all;
}

ExperimentReport run_experiment(std::string_view name) {
    for (const Experiment& experiment : all) {
        if (experiment.name == name) {
            return experiment.run();
        }
    }
    throw std::invalid_argument("no experiment named '" + std::string{name} + "'");
}

}  // namespace ch03
