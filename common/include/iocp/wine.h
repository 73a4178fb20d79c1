// common/include/iocp/wine.h: is this Windows program running under Wine?
//
// Wine is not Windows: Wine 8 ignores a port's concurrency value, wakes waiting threads FIFO
// instead of LIFO and does not wake them when the port is closed (docs/README.md lists it all).
// Code that demonstrates such behaviour asks running_under_wine() and says what differs; tests
// skip those assertions with the reason (tests/support/iocp/testing.h).
// Wine is recognised by the export wine_get_version that its ntdll has and Windows' lacks.
#pragma once

#include <string>

namespace iocp {

bool running_under_wine();

// Wine's version ("8.0"), or an empty string on Windows.
std::string wine_version();

}  // namespace iocp
