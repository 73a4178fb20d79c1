// ch03_iocp_internals/model/mini_port.cpp: the user-space port (see mini_port.h).
#include "mini_port.h"

#include <algorithm>

namespace ch03::model {

MiniPort::MiniPort(unsigned concurrency, unsigned processors)
    : model_(concurrency, std::max(processors, 1u)) {}

std::string MiniPort::this_thread_name() {
    const auto [entry, added] = names_.try_emplace(std::this_thread::get_id());
    if (added) {
        entry->second = "T" + std::to_string(names_.size());
        wake_.try_emplace(entry->second);
    }
    return entry->second;
}

void MiniPort::wake_released(const std::vector<std::string>& waiting_before) {
    const std::vector<std::string>& waiting_now = model_.waiting();
    for (const std::string& name : waiting_before) {
        if (std::find(waiting_now.begin(), waiting_now.end(), name) == waiting_now.end()) {
            wake_.at(name).notify_one();  // exactly the thread the rules chose
        }
    }
}

void MiniPort::note_count() {
    most_running_ = std::max(most_running_, model_.current_count());
}

void MiniPort::post(std::uint64_t key, std::uint32_t bytes, std::uint64_t overlapped) {
    const std::lock_guard lock{mutex_};
    const std::vector<std::string> before = model_.waiting();
    model_.post(key, bytes, overlapped);
    note_count();
    wake_released(before);
}

// [snippet:mini_get]
std::optional<Packet> MiniPort::get(std::chrono::milliseconds timeout) {
    std::unique_lock lock{mutex_};
    const std::string name = this_thread_name();
    const GetResult result = model_.get(name, timeout.count() == 0);
    note_count();
    if (result != GetResult::waiting) {
        return result == GetResult::took_packet ? model_.thread(name).packet : std::nullopt;
    }
    // Blocked: only a post(), a BlockingScope, leave() or close() elsewhere hands this thread
    // a packet or wakes it, and each of them notifies exactly the thread it chose.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::condition_variable& wake = wake_.at(name);
    while (model_.thread(name).state == ThreadState::waiting) {
        if (wake.wait_until(lock, deadline) == std::cv_status::timeout &&
            model_.thread(name).state == ThreadState::waiting) {
            model_.time_out(name);  // it runs again, with no packet
            note_count();
            return std::nullopt;
        }
    }
    return model_.thread(name).packet;  // nothing if the port was closed
}
// [/snippet]

void MiniPort::leave() {
    const std::lock_guard lock{mutex_};
    const std::string name = this_thread_name();
    const std::vector<std::string> before = model_.waiting();
    model_.exit(name);
    wake_released(before);
}

void MiniPort::close() {
    const std::lock_guard lock{mutex_};
    const std::vector<std::string> before = model_.waiting();
    model_.close();
    wake_released(before);
}

// [snippet:mini_blocking_scope]
MiniPort::BlockingScope::BlockingScope(MiniPort& port) : port_(port) {
    const std::lock_guard lock{port_.mutex_};
    const std::vector<std::string> before = port_.model_.waiting();
    port_.model_.block(port_.this_thread_name());  // R4: its place may go to a waiter
    port_.wake_released(before);
}

MiniPort::BlockingScope::~BlockingScope() {
    const std::lock_guard lock{port_.mutex_};
    port_.model_.unblock(port_.this_thread_name());  // R5: counted again, even above the limit
    port_.note_count();
}
// [/snippet]

unsigned MiniPort::running() const {
    const std::lock_guard lock{mutex_};
    return model_.current_count();
}

std::size_t MiniPort::waiting() const {
    const std::lock_guard lock{mutex_};
    return model_.waiting().size();
}

unsigned MiniPort::most_running_seen() const {
    const std::lock_guard lock{mutex_};
    return most_running_;
}

}  // namespace ch03::model
