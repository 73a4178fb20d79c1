// ch03_iocp_internals/model/port_model.cpp: rules R1-R8, one function each (see port_model.h).
#include "port_model.h"

#include <algorithm>

namespace ch03::model {

std::string_view state_name(ThreadState state) noexcept {
    switch (state) {
        case ThreadState::outside:
            return "outside";
        case ThreadState::waiting:
            return "waiting";
        case ThreadState::released:
            return "released";
        case ThreadState::paused:
            return "paused";
        case ThreadState::exited:
            return "exited";
    }
    return "?";
}

namespace {

std::string describe(const Packet& packet) {
    std::string text =
        "packet #" + std::to_string(packet.id) + " (key " + std::to_string(packet.key);
    if (packet.error != 0) {
        text += ", error " + std::to_string(packet.error);
    }
    return text + ")";
}

}  // namespace

PortModel::PortModel(unsigned concurrency, unsigned processors)
    : maximum_(concurrency != 0 ? concurrency : processors) {
    if (maximum_ == 0) {
        throw ModelError("a port needs a concurrency value or at least one processor");
    }
    event_ = "port created: at most " + std::to_string(maximum_) +
             (maximum_ == 1 ? " thread runs" : " threads run") + " at once";
}

bool PortModel::associate(const std::string& device, std::uint64_t key) {
    require_open("associate");
    if (devices_.contains(device)) {  // a handle joins one port, once
        event_ = device + " is already on the device list: error 87 (ERROR_INVALID_PARAMETER)";
        return false;
    }
    devices_.emplace(device, key);
    event_ = device + " joins the device list with key " + std::to_string(key);
    return true;
}

void PortModel::close_device(const std::string& device) {
    if (devices_.erase(device) == 0) {
        throw ModelError("close-device " + device + ": it is not on the device list");
    }
    event_ = device + " is closed and leaves the device list; packets already queued stay";
}

std::optional<Packet> PortModel::complete_io(const std::string& device, std::uint32_t bytes,
                                             std::uint32_t error, std::uint64_t overlapped) {
    require_open("io");
    const auto found = devices_.find(device);
    if (found == devices_.end()) {
        event_ = device + " is on no port: its completion reaches no queue";
        return std::nullopt;
    }
    const Packet packet{next_packet_++, bytes, found->second, overlapped, error};
    event_ = "an I/O on " + device + " completes: ";
    insert(packet);
    return packet;
}

Packet PortModel::post(std::uint64_t key, std::uint32_t bytes, std::uint64_t overlapped) {
    require_open("post");
    const Packet packet{next_packet_++, bytes, key, overlapped, 0};
    event_ = "PostQueuedCompletionStatus: ";
    insert(packet);
    return packet;
}

// [snippet:model_insert]
void PortModel::insert(const Packet& packet) {
    if (current_ < maximum_ && !waiters_.empty()) {
        // The newest waiter takes it at once; the queue never sees it.
        ThreadView& newest = thread_ref(waiters_.back());
        waiters_.pop_back();
        hand(newest, packet);
        event_ += describe(packet) + " goes straight to " + newest.name + ", the newest waiter";
        return;
    }
    queue_.push_back(packet);
    event_ += describe(packet) + " joins the queue" +
              (waiters_.empty() ? "" : " (the count is at the limit: no waiter may run)");
}
// [/snippet]

// [snippet:model_get]
GetResult PortModel::get(const std::string& name, bool zero_timeout) {
    ThreadView& thread = thread_ref(name);
    if (closed_) {
        thread.returned_error = error_invalid_handle;
        event_ = name + " calls GQCS on a closed port: it fails at once, error 6";
        return GetResult::closed;
    }
    if (thread.state == ThreadState::released) {
        --current_;  // it has finished its previous packet
    } else if (thread.state != ThreadState::outside) {
        throw ModelError(name + " cannot call GQCS: it is " +
                         std::string{state_name(thread.state)});
    }
    thread.packet.reset();
    thread.returned_error.reset();
    if (current_ < maximum_ && !queue_.empty()) {
        // A running thread that asks takes the head at once, even if others are waiting:
        // it is already on a CPU, with its stack and caches warm.
        const Packet head = queue_.front();
        queue_.pop_front();
        hand(thread, head);
        event_ = name + " takes " + describe(head) + " from the queue without blocking";
        return GetResult::took_packet;
    }
    if (zero_timeout) {
        thread.state = ThreadState::released;
        ++current_;
        thread.returned_error = error_wait_timeout;
        event_ = name + " polls with a zero timeout: nothing it may take, WAIT_TIMEOUT";
        return GetResult::timed_out;
    }
    thread.state = ThreadState::waiting;
    waiters_.push_back(name);  // on top of the stack: the next to be woken
    event_ = name + " waits" + (queue_.empty() ? "" : " (the count is at the limit)") +
             ": it is now the newest waiter";
    return GetResult::waiting;
}
// [/snippet]

void PortModel::time_out(const std::string& name) {
    ThreadView& thread = expect_state(name, ThreadState::waiting, "time out");
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), name));
    thread.state = ThreadState::released;
    ++current_;
    thread.returned_error = error_wait_timeout;
    event_ = name + "'s timeout runs out: it leaves the waiters and runs, with WAIT_TIMEOUT";
}

// [snippet:model_block]
void PortModel::block(const std::string& name) {
    ThreadView& thread = expect_state(name, ThreadState::released, "block");
    thread.state = ThreadState::paused;
    --current_;  // it no longer runs: its place may go to a waiter
    event_ = name + " blocks on something else and pauses";
    activate_waiter();
}
// [/snippet]

// [snippet:model_activate]
void PortModel::activate_waiter() {
    if (current_ < maximum_ && !queue_.empty() && !waiters_.empty()) {
        ThreadView& newest = thread_ref(waiters_.back());
        waiters_.pop_back();
        const Packet head = queue_.front();
        queue_.pop_front();
        hand(newest, head);
        event_ += "; " + newest.name + " wakes with " + describe(head);
    }
}
// [/snippet]

// [snippet:model_unblock]
void PortModel::unblock(const std::string& name) {
    ThreadView& thread = expect_state(name, ThreadState::paused, "unblock");
    thread.state = ThreadState::released;
    ++current_;  // unconditionally: nothing is preempted, so the count may pass the limit
    event_ = name + " wakes and runs again";
    if (current_ > maximum_) {
        event_ += ": " + std::to_string(current_) + " threads run, above the limit of " +
                  std::to_string(maximum_);
    }
}
// [/snippet]

void PortModel::exit(const std::string& name) {
    ThreadView& thread = thread_ref(name);
    const ThreadState was = thread.state;
    if (was == ThreadState::exited) {
        throw ModelError(name + " has already exited");
    }
    thread.state = ThreadState::exited;
    thread.packet.reset();
    event_ = name + " exits";
    if (was == ThreadState::waiting) {
        waiters_.erase(std::find(waiters_.begin(), waiters_.end(), name));
    } else if (was == ThreadState::released) {
        --current_;
        activate_waiter();
    }
}

std::size_t PortModel::close() {
    require_open("close");
    closed_ = true;
    const std::size_t freed = queue_.size();
    queue_.clear();
    for (const std::string& name : waiters_) {
        ThreadView& thread = thread_ref(name);
        thread.state = ThreadState::outside;
        thread.returned_error = error_abandoned_wait;
    }
    for (ThreadView& thread : threads_) {
        if (thread.state == ThreadState::released || thread.state == ThreadState::paused) {
            thread.state = ThreadState::outside;
        }
    }
    event_ = "the port is closed: " + std::to_string(waiters_.size()) +
             " waiters return error 735, " + std::to_string(freed) + " queued packets are freed";
    waiters_.clear();
    current_ = 0;
    return freed;
}

std::vector<std::string> PortModel::threads_in(ThreadState state) const {
    std::vector<std::string> names;
    for (const ThreadView& thread : threads_) {
        if (thread.state == state) {
            names.push_back(thread.name);
        }
    }
    return names;
}

ThreadView PortModel::thread(const std::string& name) const {
    for (const ThreadView& thread : threads_) {
        if (thread.name == name) {
            return thread;
        }
    }
    ThreadView unknown;
    unknown.name = name;
    return unknown;
}

std::vector<ThreadView> PortModel::threads() const {
    return {threads_.begin(), threads_.end()};
}

ThreadView& PortModel::thread_ref(const std::string& name) {
    for (ThreadView& thread : threads_) {
        if (thread.name == name) {
            return thread;
        }
    }
    threads_.emplace_back().name = name;
    return threads_.back();
}

ThreadView& PortModel::expect_state(const std::string& name, ThreadState state,
                                    const char* action) {
    ThreadView& thread = thread_ref(name);
    if (thread.state != state) {
        throw ModelError(std::string{action} + " " + name + ": it is " +
                         std::string{state_name(thread.state)} + ", not " +
                         std::string{state_name(state)});
    }
    return thread;
}

void PortModel::require_open(const char* action) const {
    if (closed_) {
        throw ModelError(std::string{action} + ": the port is closed");
    }
}

void PortModel::hand(ThreadView& thread, const Packet& packet) {
    thread.state = ThreadState::released;
    thread.packet = packet;
    ++thread.packets_taken;
    ++current_;
}

}  // namespace ch03::model
