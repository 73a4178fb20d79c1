// ch03_iocp_internals/model/port_model.cpp: rules R1-R8, one function each (see port_model.h).
#include "port_model.h"

#include <algorithm>
#include <array>
#include <stdexcept>

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

using enum ThreadState;

// Every move a thread makes on a port: see transitions() in port_model.h.
constexpr std::array transition_table{
    Transition{outside, waiting, Cause::gqcs_waits, "GQCS: nothing it may take, so it waits", "R3"},
    Transition{outside, released, Cause::gqcs_takes, "GQCS: a packet queued, room under the limit",
               "R3"},
    Transition{outside, released, Cause::gqcs_polls, "GQCS, zero timeout: WAIT_TIMEOUT", "R3"},
    Transition{released, waiting, Cause::gqcs_waits, "GQCS again: nothing it may take", "R3"},
    Transition{released, released, Cause::gqcs_takes,
               "GQCS again: takes the next packet without blocking", "R3"},
    Transition{released, released, Cause::gqcs_polls, "GQCS again, zero timeout: WAIT_TIMEOUT",
               "R3"},
    Transition{waiting, released, Cause::packet_arrives,
               "a packet, and room under the limit (newest waiter first)", "R2 R4"},
    Transition{waiting, released, Cause::times_out, "its timeout runs out: WAIT_TIMEOUT", "R3"},
    Transition{released, paused, Cause::blocks,
               "really blocks elsewhere (a held lock, Sleep(10), a read)", "R4"},
    Transition{paused, released, Cause::unblocks, "that wait ends: counted, even above the limit",
               "R5"},
    Transition{waiting, outside, Cause::port_closed, "the port is closed: GQCS fails, 735", "R8"},
    Transition{released, outside, Cause::port_closed, "the port is closed", "R8"},
    Transition{paused, outside, Cause::port_closed, "the port is closed", "R8"},
    Transition{released, exited, Cause::exits, "the thread ends: its place frees up", "R4 R6"},
    Transition{outside, exited, Cause::exits, "the thread ends", "R6"},
};

std::string describe(const Packet& packet) {
    std::string text =
        "packet #" + std::to_string(packet.id) + " (key " + std::to_string(packet.key);
    if (packet.error != 0) {
        text += ", error " + std::to_string(packet.error);
    }
    return text + ")";
}

}  // namespace

std::span<const Transition> transitions() noexcept {
    return transition_table;
}

PortModel::PortModel(unsigned concurrency, unsigned processors)
    : maximum_(concurrency != 0 ? concurrency : processors), made_(transition_table.size(), 0) {
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
    const Packet packet{next_packet_++, bytes, found->second, overlapped, error, device};
    event_ = "an I/O on " + device + " completes: ";
    insert(packet);
    return packet;
}

Packet PortModel::post(std::uint64_t key, std::uint32_t bytes, std::uint64_t overlapped) {
    require_open("post");
    const Packet packet{next_packet_++, bytes, key, overlapped, 0, {}};
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
        hand(newest, packet, Cause::packet_arrives);
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
        hand(thread, head, Cause::gqcs_takes);
        event_ = name + " takes " + describe(head) + " from the queue without blocking";
        return GetResult::took_packet;
    }
    if (zero_timeout) {
        move(thread, ThreadState::released, Cause::gqcs_polls);
        ++current_;
        thread.returned_error = error_wait_timeout;
        event_ = name + " polls with a zero timeout: nothing it may take, WAIT_TIMEOUT";
        return GetResult::timed_out;
    }
    move(thread, ThreadState::waiting, Cause::gqcs_waits);
    waiters_.push_back(name);  // on top of the stack: the next to be woken
    event_ = name + " waits" + (queue_.empty() ? "" : " (the count is at the limit)") +
             ": it is now the newest waiter";
    return GetResult::waiting;
}
// [/snippet]

void PortModel::time_out(const std::string& name) {
    ThreadView& thread = expect_state(name, ThreadState::waiting, "time out");
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), name));
    move(thread, ThreadState::released, Cause::times_out);
    ++current_;
    thread.returned_error = error_wait_timeout;
    event_ = name + "'s timeout runs out: it leaves the waiters and runs, with WAIT_TIMEOUT";
}

// [snippet:model_block]
void PortModel::block(const std::string& name) {
    ThreadView& thread = expect_state(name, ThreadState::released, "block");
    move(thread, ThreadState::paused, Cause::blocks);
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
        hand(newest, head, Cause::packet_arrives);
        event_ += "; " + newest.name + " wakes with " + describe(head);
    }
}
// [/snippet]

// [snippet:model_unblock]
void PortModel::unblock(const std::string& name) {
    ThreadView& thread = expect_state(name, ThreadState::paused, "unblock");
    move(thread, ThreadState::released, Cause::unblocks);
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
    if (was != ThreadState::released && was != ThreadState::outside) {
        // Blocked in GQCS or elsewhere, it is not running: it cannot end itself.
        throw ModelError("exit " + name + ": it is " + std::string{state_name(was)} +
                         ", and only a running thread can exit");
    }
    move(thread, ThreadState::exited, Cause::exits);
    thread.packet.reset();
    event_ = name + " exits";
    if (was == ThreadState::released) {
        --current_;
        activate_waiter();
    }
}

std::size_t PortModel::close() {
    require_open("close");
    closed_ = true;
    const std::size_t dropped = queue_.size();
    queue_.clear();
    for (const std::string& name : waiters_) {
        ThreadView& thread = thread_ref(name);
        move(thread, ThreadState::outside, Cause::port_closed);
        thread.returned_error = error_abandoned_wait;
    }
    for (ThreadView& thread : threads_) {
        if (thread.state == ThreadState::released || thread.state == ThreadState::paused) {
            move(thread, ThreadState::outside, Cause::port_closed);
        }
    }
    event_ = "the port is closed: " + std::to_string(waiters_.size()) +
             " waiters return error 735, " + std::to_string(dropped) +
             " queued packets are never delivered";
    waiters_.clear();
    current_ = 0;
    return dropped;
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

void PortModel::hand(ThreadView& thread, const Packet& packet, Cause cause) {
    move(thread, ThreadState::released, cause);
    thread.packet = packet;
    ++thread.packets_taken;
    ++current_;
}

// Every state change comes here: a move the table lacks is a bug in the model, not in a
// scenario (a scenario's mistakes are ModelErrors, thrown before any change).
void PortModel::move(ThreadView& thread, ThreadState to, Cause cause) {
    for (std::size_t row = 0; row < transition_table.size(); ++row) {
        const Transition& allowed = transition_table[row];
        if (allowed.from == thread.state && allowed.to == to && allowed.cause == cause) {
            thread.state = to;
            ++made_[row];
            return;
        }
    }
    throw std::logic_error("the model moved " + thread.name + " from " +
                           std::string{state_name(thread.state)} + " to " +
                           std::string{state_name(to)} + ", a move transitions() does not list");
}

}  // namespace ch03::model
