# Standalone asio (header-only), the peer that bench/ measures the chapters' server against.
# Like IocpDependencies.cmake: taken from the machine where it has it, fetched (pinned by tag and
# SHA-256) on a Windows host. Nothing is vendored in this repository.
#
#   Debian/Ubuntu: the headers in /usr/include/asio.hpp and /usr/include/asio/ (package
#                  libasio-dev, asio 1.22.1 on Debian 12).
#   Windows:       FetchContent downloads asio 1.22.1 (the same version).
#   Elsewhere without the package: no asio::asio target, and bench/ skips its targets.
#
# The result is the INTERFACE target asio::asio: asio's headers as SYSTEM headers (our
# -Werror does not apply to them), ASIO_STANDALONE and ASIO_NO_DEPRECATED; on Windows also
# Winsock (ws2_32, mswsock) and iocp::platform's _WIN32_WINNT, which picks asio's IOCP backend.
#
#   IOCP_ASIO_INCLUDE_DIR   the folder that holds asio.hpp (found in /usr/include; set it to
#                           use another copy, or to a folder without asio to configure without)

# In the cross build we must not add /usr/include itself to the include path (glibc's headers
# would shadow MinGW's), so asio.hpp and asio/ are copied into the build tree, as CLI11 is.
if(CMAKE_HOST_UNIX)
    find_path(IOCP_ASIO_INCLUDE_DIR asio.hpp PATHS /usr/include
              NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH
              DOC "The folder that holds asio.hpp (Debian package libasio-dev)")
endif()

if(IOCP_ASIO_INCLUDE_DIR AND EXISTS "${IOCP_ASIO_INCLUDE_DIR}/asio.hpp"
   AND IS_DIRECTORY "${IOCP_ASIO_INCLUDE_DIR}/asio")
    set(_iocp_asio_include "${CMAKE_BINARY_DIR}/_deps/asio/include")
    file(COPY "${IOCP_ASIO_INCLUDE_DIR}/asio.hpp" "${IOCP_ASIO_INCLUDE_DIR}/asio"
         DESTINATION "${_iocp_asio_include}")
elseif(CMAKE_HOST_WIN32)
    include(FetchContent)
    FetchContent_Declare(asio
        URL https://github.com/chriskohlhoff/asio/archive/refs/tags/asio-1-22-1.tar.gz
        URL_HASH SHA256=30cb54a5de5e465d10ec0c2026d6b5917f5e89fffabdbabeb1475846fc9a2cf0
        DOWNLOAD_EXTRACT_TIMESTAMP TRUE
        SOURCE_SUBDIR no-cmake-here) # header-only: download and unpack, add no subdirectory
    FetchContent_MakeAvailable(asio)
    set(_iocp_asio_include "${asio_SOURCE_DIR}/asio/include")
else()
    message(STATUS "asio not found (Debian: apt-get install libasio-dev; or set "
                   "IOCP_ASIO_INCLUDE_DIR): the bench targets are skipped")
    return()
endif()

add_library(iocp_asio INTERFACE)
add_library(asio::asio ALIAS iocp_asio)
target_include_directories(iocp_asio SYSTEM INTERFACE "${_iocp_asio_include}")
target_compile_definitions(iocp_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
find_package(Threads REQUIRED)
target_link_libraries(iocp_asio INTERFACE Threads::Threads)
if(WIN32)
    target_link_libraries(iocp_asio INTERFACE ws2_32 mswsock iocp::platform)
endif()
message(STATUS "asio: ${_iocp_asio_include}")
