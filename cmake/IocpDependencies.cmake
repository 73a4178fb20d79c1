# GoogleTest and CLI11: taken from the machine where it has them, fetched (pinned by tag and
# SHA-256) where it does not. Nothing is vendored in this repository.
#
#   Debian/Ubuntu: googletest sources in /usr/src/googletest (package googletest), built here by
#                  whichever compiler this build uses (MinGW-w64 for the Wine preset);
#                  CLI11 headers in /usr/include/CLI (package libcli11-dev).
#   Windows:       FetchContent downloads googletest v1.14.0 and CLI11 v2.4.2.
include(FetchContent)

set(IOCP_GOOGLETEST_SOURCE_DIR "/usr/src/googletest" CACHE PATH
    "GoogleTest sources to build with this toolchain (Debian package googletest)")

if(EXISTS "${IOCP_GOOGLETEST_SOURCE_DIR}/CMakeLists.txt")
    set(INSTALL_GTEST OFF)
    set(BUILD_GMOCK ON)
    add_subdirectory("${IOCP_GOOGLETEST_SOURCE_DIR}" "${CMAKE_BINARY_DIR}/_deps/googletest"
                     EXCLUDE_FROM_ALL SYSTEM)
else()
    set(INSTALL_GTEST OFF)
    set(gtest_force_shared_crt ON) # MSVC: use the same CRT as our targets
    FetchContent_Declare(googletest
        URL https://github.com/google/googletest/archive/refs/tags/v1.14.0.tar.gz
        URL_HASH SHA256=8ad598c73ad796e0d8280b082cebd82a630d73e73cd3c70057938a6501bba5d7
        DOWNLOAD_EXTRACT_TIMESTAMP TRUE
        SYSTEM)
    FetchContent_MakeAvailable(googletest)
endif()

# CLI11 is header-only. In the cross build we must not add /usr/include itself to the include
# path (glibc's headers would shadow MinGW's), so the CLI/ folder is copied into the build tree.
if(CMAKE_HOST_UNIX)
    find_path(IOCP_CLI11_INCLUDE_DIR CLI/CLI.hpp PATHS /usr/include
              NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
endif()
if(IOCP_CLI11_INCLUDE_DIR)
    set(_iocp_cli11_copy "${CMAKE_BINARY_DIR}/_deps/cli11/include")
    file(COPY "${IOCP_CLI11_INCLUDE_DIR}/CLI" DESTINATION "${_iocp_cli11_copy}")
    add_library(iocp_cli11 INTERFACE)
    target_include_directories(iocp_cli11 SYSTEM INTERFACE "${_iocp_cli11_copy}")
    add_library(CLI11::CLI11 ALIAS iocp_cli11)
else()
    FetchContent_Declare(cli11
        URL https://github.com/CLIUtils/CLI11/archive/refs/tags/v2.4.2.tar.gz
        URL_HASH SHA256=f2d893a65c3b1324c50d4e682c0cdc021dd0477ae2c048544f39eed6654b699a
        DOWNLOAD_EXTRACT_TIMESTAMP TRUE
        SYSTEM)
    FetchContent_MakeAvailable(cli11)
endif()
