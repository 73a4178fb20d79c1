# Cross-compile for 64-bit Windows from Linux with MinGW-w64 (Debian: g++-mingw-w64-x86-64-posix).
#
# The "-posix" compilers use the POSIX threading model, which gives GCC 12 std::thread and
# std::mutex; the "-win32" ones do not. Executables are linked statically (libgcc, libstdc++ and
# winpthread included), so each .exe runs alone: under Wine, or copied to a Windows machine.
#
# Tests run under Wine through CMAKE_CROSSCOMPILING_EMULATOR: tools/wine.sh keeps the Wine prefix
# inside the build tree (<build>/wineprefix) and sets the quiet environment (see that script).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(IOCP_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${IOCP_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${IOCP_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${IOCP_MINGW_TRIPLE}-windres)

# Look for headers and libraries only in the MinGW sysroot, never in the Linux host's /usr:
# a plain -I/usr/include would pull glibc's headers into a Windows build.
set(CMAKE_FIND_ROOT_PATH /usr/${IOCP_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

set(CMAKE_CROSSCOMPILING_EMULATOR
    "${CMAKE_CURRENT_LIST_DIR}/../../tools/wine.sh;${CMAKE_BINARY_DIR}/wineprefix;run")
