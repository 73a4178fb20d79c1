// common/include/iocp/win32.h: the Windows headers, included in the one order that works.
//
// <winsock2.h> must come before <windows.h>: windows.h would otherwise pull in the old
// Winsock 1.1 <winsock.h>, and the two clash. mswsock.h adds AcceptEx and friends; ws2tcpip.h
// adds inet_pton. The build defines WIN32_LEAN_AND_MEAN, NOMINMAX and _WIN32_WINNT (see
// cmake/IocpOptions.cmake). Every Windows-only header of ours includes this one.
#pragma once

#ifndef _WIN32
#error "iocp/win32.h is Windows-only; portable code must not include it"
#endif

// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
// clang-format on
