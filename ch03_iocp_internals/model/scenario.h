// ch03_iocp_internals/model/scenario.h: scenarios, small text files that drive the port model.
//
// One command a line; `#` starts a comment; the first command creates the port:
//
//   # title: The newest waiter is woken first
//   # timeline: no                     draw no timeline figure (one thread: nothing to see)
//   port concurrency=1 processors=4    R1 (concurrency=0 means the number of processors)
//   associate sock1 key=7              R6: sock1 joins the device list with key 7
//   wait T1                            T1 calls GetQueuedCompletionStatus (INFINITE)
//   poll T1                            the same with a zero timeout
//   post key=0 bytes=0                 PostQueuedCompletionStatus (R2)
//   io sock1 bytes=512 error=0         an overlapped I/O on sock1 completes (R2); the Nth io
//                                      carries OVERLAPPED &ovN, or the one overlapped=N names
//   block T1 / unblock T1              a running thread blocks elsewhere, and wakes (R4, R5)
//   timeout T1                         a waiting thread's timeout runs out (R3)
//   exit T1                            the thread ends (R6)
//   close-device sock1 / close         a device's handle, or the port's, is closed (R8)
//   expect count=1 waiting=T1,T2 ...   checks the state; a scenario that fails one is wrong
//   figure structures                  draws the five structures as they are now
//   figure record view=queue           draws the queued records, field by field
//   figure memory view=stacks          draws each thread's stack: in use, or left untouched
//
// expect knows: count, max, queue (its length), waiting (oldest first, newest last), released,
// paused (comma-separated thread names, or -), taken (T1:2,T2:0: packets each thread took).
#pragma once
#include "port_model.h"

#include <string>
#include <string_view>
#include <vector>

namespace ch03::model {

// The state after one step, as the table and the figures show it.
struct Snapshot {
    unsigned current = 0;
    unsigned maximum = 0;
    bool closed = false;
    std::vector<Packet> queue;
    std::vector<std::string> waiting;  // oldest first
    std::vector<std::pair<std::string, std::uint64_t>> devices;
    std::vector<ThreadView> threads;
};

struct Step {
    int line = 0;
    std::string command;
    std::string event;  // what happened, in words
    Snapshot after;
};

// What a `figure` line draws.
enum class FigureView {
    structures,  // the five structures (the default)
    queue,       // the completion queue's records, with the four fields a dequeue hands back
    stacks,      // each thread's stack: touched by the packets it took, or idle since it waited
};

struct Figure {
    std::string name;  // "structures"
    std::size_t step;  // index into steps: drawn as the state after that step
    FigureView view = FigureView::structures;
};

struct ScenarioResult {
    std::string name;      // the file's stem: "lifo"
    std::string title;     // from "# title: ..."
    bool timeline = true;  // false after "# timeline: no"
    std::vector<Step> steps;
    std::vector<Figure> figures;
    std::vector<std::string> failures;  // "line 12: expected waiting=T1,T2, got T1"
    std::vector<int> transitions_made;  // per row of transitions(): how often the run made it
};

// Runs a scenario. A malformed line or a command the rules forbid throws ScenarioError, naming
// the line; an `expect` that does not hold is recorded in `failures` and the run goes on.
ScenarioResult run_scenario(std::string_view text, const std::string& name);

// The title a scenario gives itself (its `# title:` line, as run_scenario reads it), without
// running it: "" if it has none.
std::string scenario_title(std::string_view text);

class ScenarioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

Snapshot snapshot(const PortModel& port);

}  // namespace ch03::model
