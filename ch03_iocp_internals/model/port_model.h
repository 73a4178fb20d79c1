// ch03_iocp_internals/model/port_model.h: the completion port's machinery as a state machine.
//
// Portable C++ (no windows.h): it builds in every preset, so it runs under the sanitizers and is
// what the simulator, the mini port and the figures are made of. It keeps the notes' five
// structures (3장: IOCP의 동작 원리) and follows the native kernel's rules R1-R8
// (docs/port_rules.md):
//
//   device list        device -> completion key; a device joins one port, once        (R6)
//   completion queue   packets {bytes, key, overlapped, error}, first in, first out   (R2)
//   waiting threads    threads blocked in GetQueuedCompletionStatus, newest woken first
//   released threads   threads of this port that are running; their number is CurrentCount
//   paused threads     threads of this port blocked on something else: not counted   (R4, R5)
//
// and MaximumCount, the concurrency value (R1: 0 means the number of processors). The kernel
// keeps no list of paused threads; the model does, so that a reader can see them.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ch03::model {

// One entry of the completion queue: the notes' four-field record, plus a number to follow it.
struct Packet {
    int id = 0;                    // 1, 2, 3... in the order packets were made
    std::uint32_t bytes = 0;       // dwNumberOfBytesTransferred
    std::uint64_t key = 0;         // the completion key
    std::uint64_t overlapped = 0;  // the OVERLAPPED* (0: none, as PostQueuedCompletionStatus may)
    std::uint32_t error = 0;       // 0 for success, else the Win32 error of a failed I/O
    std::string device;            // whose I/O completed; empty when the program posted it
};

enum class ThreadState {
    outside,   // not associated with the port (never called GQCS on it, or left)
    waiting,   // in GetQueuedCompletionStatus, blocked: in the waiting-thread stack
    released,  // running, and counted in CurrentCount
    paused,    // blocked on something else while associated: not counted
    exited,
};

// Why a thread moves from one state to another: the arrows of the state diagram.
enum class Cause {
    gqcs_takes,      // GQCS, a packet queued and room under the limit: returns with it (R3)
    gqcs_polls,      // GQCS with a zero timeout, nothing it may take: WAIT_TIMEOUT (R3)
    gqcs_waits,      // GQCS, nothing it may take: blocks in the port (R3)
    packet_arrives,  // a packet for it and room under the limit: the newest waiter wakes (R2, R4)
    times_out,       // a waiter's timeout runs out (R3)
    blocks,          // a running thread blocks on something else (R4)
    unblocks,        // that other wait ends (R5)
    port_closed,     // CloseHandle on the port (R8)
    exits,           // the thread ends (R6)
};

// One move a thread can make. The model makes these and no others: every state change goes
// through one place that looks it up here, so the state diagram drawn from this table
// (docs/figures/ch03_thread_states.svg) is the model's own.
struct Transition {
    ThreadState from;
    ThreadState to;
    Cause cause;
    std::string_view label;  // what moves the thread, in words
    std::string_view rule;   // "R3"
};

std::span<const Transition> transitions() noexcept;

// What GetQueuedCompletionStatus does when a thread calls it (R3).
enum class GetResult {
    took_packet,  // returned at once with the head of the queue
    waiting,      // blocked: the thread is now the newest waiter
    timed_out,    // a zero timeout and nothing it may take: returns WAIT_TIMEOUT
    closed,       // the port is closed: returns at once with an error
};

// The Win32 errors the model reports.
inline constexpr std::uint32_t error_invalid_handle = 6;      // GQCS on a closed port (R7)
inline constexpr std::uint32_t error_invalid_parameter = 87;  // a second association (R6)
inline constexpr std::uint32_t error_wait_timeout = 258;      // WAIT_TIMEOUT (R7)
inline constexpr std::uint32_t error_abandoned_wait = 735;    // port closed while waiting (R8)

// One thread as the port sees it.
struct ThreadView {
    std::string name;
    ThreadState state = ThreadState::outside;
    std::optional<Packet> packet;  // the packet it was last handed (released threads)
    std::optional<std::uint32_t> returned_error;  // 258 after a timeout, 735 after a close
    int packets_taken = 0;                        // packets handed to it so far
};

// An operation the port's rules do not allow in the thread's state ("block T1" while T1
// waits): a mistake in a scenario, reported with what was asked and why it cannot be.
class ModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class PortModel {
public:
    // R1: MaximumCount = concurrency, or `processors` when concurrency is 0.
    PortModel(unsigned concurrency, unsigned processors);

    // R6: adds `device` to the device list with `key`. False (error 87) if it is there already.
    bool associate(const std::string& device, std::uint64_t key);
    // The device's handle closes: it leaves the device list. Its queued packets stay (R8).
    void close_device(const std::string& device);
    // An overlapped I/O on `device` completes: a packet carrying its key is inserted (R2).
    // Returns the packet, or nothing when the device is not on the device list.
    std::optional<Packet> complete_io(const std::string& device, std::uint32_t bytes,
                                      std::uint32_t error, std::uint64_t overlapped);
    // PostQueuedCompletionStatus: a packet made by the program, always a success (R2, R7).
    Packet post(std::uint64_t key, std::uint32_t bytes, std::uint64_t overlapped);

    // GetQueuedCompletionStatus by `thread` (R3). `zero_timeout`: dwMilliseconds == 0.
    GetResult get(const std::string& thread, bool zero_timeout);
    // A waiting thread's timeout ran out: it leaves the stack and runs, with WAIT_TIMEOUT (R3).
    void time_out(const std::string& thread);
    // A released thread really blocks elsewhere: a held lock, Sleep(n > 0), a disk read (R4).
    void block(const std::string& thread);
    // A paused thread's other wait ends: it runs again, counted even above the limit (R5).
    void unblock(const std::string& thread);
    // The thread ends (R6): it leaves the port; a released one frees its place (R4). Only a
    // running thread can end itself, so a waiting or paused one cannot exit (ModelError).
    void exit(const std::string& thread);
    // CloseHandle on the port (R8): waiters return 735, every thread leaves, and the queued
    // packets are never delivered. Returns how many were dropped.
    std::size_t close();

    // What the structures hold now.
    unsigned maximum_count() const noexcept { return maximum_; }
    unsigned current_count() const noexcept { return current_; }
    bool is_closed() const noexcept { return closed_; }
    const std::deque<Packet>& queue() const noexcept { return queue_; }
    // Oldest first: the back is the newest waiter, the one R2 wakes.
    const std::vector<std::string>& waiting() const noexcept { return waiters_; }
    std::vector<std::string> threads_in(ThreadState state) const;  // in order of first use
    const std::map<std::string, std::uint64_t>& devices() const noexcept { return devices_; }
    ThreadView thread(const std::string& name) const;
    // Every thread the port has seen, in order of first use.
    std::vector<ThreadView> threads() const;
    // What the last operation did, in words: "packet #3 (key 7) goes straight to T4, the newest
    // waiter". The simulator prints it.
    const std::string& last_event() const noexcept { return event_; }
    // How often each row of transitions() happened so far, in the table's order.
    const std::vector<int>& transitions_made() const noexcept { return made_; }

private:
    ThreadView& thread_ref(const std::string& name);
    ThreadView& expect_state(const std::string& name, ThreadState state, const char* action);
    void require_open(const char* action) const;
    // R2: a new packet goes to the newest waiter if the count allows, else to the queue's tail.
    void insert(const Packet& packet);
    // R4: after a released thread stops running, let the newest waiter take the queue's head.
    void activate_waiter();
    void hand(ThreadView& thread, const Packet& packet, Cause cause);
    // Every state change: checks that transitions() has the move, and counts it.
    void move(ThreadView& thread, ThreadState to, Cause cause);

    unsigned maximum_;
    unsigned current_ = 0;  // CurrentCount: the number of released threads (R5 may exceed max)
    bool closed_ = false;
    int next_packet_ = 1;
    std::map<std::string, std::uint64_t> devices_;
    std::deque<Packet> queue_;
    std::vector<std::string> waiters_;  // a stack: push_back, and R2/R4 take from the back
    std::deque<ThreadView> threads_;    // in order of first use (a deque: references stay valid)
    std::string event_;
    std::vector<int> made_;  // per row of transitions()
};

std::string_view state_name(ThreadState state) noexcept;

}  // namespace ch03::model
