// bench/platform.h: the host's half of the echo benchmark (see portable/runner.h).
//
// bench/windows_platform.cpp (Windows, and under Wine): the servers as child processes, chapter
// 4's IOCP client as the load. bench/linux_platform.cpp (Linux): the Windows servers started
// through a launcher (tools/wine.sh), the native epoll driver of bench/driver/ as the load.
#pragma once
#include "runner.h"

#include <memory>
#include <string>
#include <vector>

namespace bench {

struct PlatformOptions {
    // Linux: the command that runs a Windows program, the program and its arguments following
    // ("tools/wine.sh PREFIX run"). Windows: must be empty.
    std::vector<std::string> launcher;
};

std::unique_ptr<Platform> make_platform(const PlatformOptions& options);

// The path of a server program by its name without extension ("ch04_echo_server") where the
// host has a default (Windows: beside this program), else "".
std::string default_program(const std::string& name);

// "2026-11-30 02:56 UTC", for the results' heading.
std::string utc_now();

}  // namespace bench
