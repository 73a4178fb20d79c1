# Compiler settings shared by every target of ours, as INTERFACE targets (not global flags), so
# third-party code (GoogleTest) is compiled with its own warnings.
#
#   iocp::warnings  -Wall -Wextra -Wpedantic [-Werror]  |  MSVC: /W4 /permissive- /utf-8 [/WX]
#   iocp::platform  C++20; on Windows: the Windows 10 API level, lean windows.h, no min/max macros.
#
# IOCP_SANITIZE ("address;undefined" or "thread") instruments everything, GoogleTest included,
# because TSan needs every object that touches shared state compiled with it.
#
# The Linux presets ask for less debug information than RelWithDebInfo's -g (CMakePresets.json):
# -g1 for MinGW, -gline-tables-only for clang. Backtraces and sanitizer reports keep their files
# and lines; local variables are gone, and objects and links are smaller and quicker to build:
# `./tutorial.sh test`, which builds every preset from nothing on a clean clone, must fit in 15
# minutes on two cores.
#
# IOCP_HOST_CHECKS: the documentation tools (tools/), the checks they run and chapter 3's web
# facade are built natively, once: not in the cross build, and not under TSan (they have no
# threads, and the native preset already runs them under ASan and UBSan).
#
# Emscripten (the `web` preset) aborts at the first `throw` unless everything is compiled and
# linked with -fexceptions; chapter 3's model reports a bad scenario by throwing, and the page
# shows that error, so exceptions are caught there as everywhere else.

option(IOCP_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" ${PROJECT_IS_TOP_LEVEL})
set(IOCP_SANITIZE "" CACHE STRING "Sanitizers for the native presets: address;undefined or thread")

add_library(iocp_warnings INTERFACE)
add_library(iocp::warnings ALIAS iocp_warnings)
if(MSVC)
    target_compile_options(iocp_warnings INTERFACE /W4 /permissive- /utf-8
                                                   $<$<BOOL:${IOCP_WARNINGS_AS_ERRORS}>:/WX>)
else()
    target_compile_options(iocp_warnings INTERFACE -Wall -Wextra -Wpedantic
                                                   $<$<BOOL:${IOCP_WARNINGS_AS_ERRORS}>:-Werror>)
endif()

add_library(iocp_platform INTERFACE)
add_library(iocp::platform ALIAS iocp_platform)
target_compile_features(iocp_platform INTERFACE cxx_std_20)
if(WIN32)
    # 0x0A00 = Windows 10: GetQueuedCompletionStatusEx, CancelIoEx and
    # SetFileCompletionNotificationModes all need at least Vista; we target what is supported.
    target_compile_definitions(iocp_platform INTERFACE
        _WIN32_WINNT=0x0A00 WINVER=0x0A00 WIN32_LEAN_AND_MEAN NOMINMAX UNICODE _UNICODE)
endif()

if(CMAKE_CROSSCOMPILING OR "thread" IN_LIST IOCP_SANITIZE)
    set(IOCP_HOST_CHECKS OFF)
else()
    set(IOCP_HOST_CHECKS ON)
endif()

if(IOCP_SANITIZE)
    if(MSVC)
        message(FATAL_ERROR "IOCP_SANITIZE is for the native (clang) presets")
    endif()
    list(JOIN IOCP_SANITIZE "," _iocp_sanitizers)
    add_compile_options(-fsanitize=${_iocp_sanitizers} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${_iocp_sanitizers})
endif()

if(EMSCRIPTEN)
    add_compile_options(-fexceptions)
    add_link_options(-fexceptions)
endif()
