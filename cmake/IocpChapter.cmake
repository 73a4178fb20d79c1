# Helpers that add a chapter's program and its tests. Sources are always listed by hand.
#
#   iocp_add_chapter_library(NAME ch01_lib SOURCES a.cpp [INCLUDE dir] [LIBRARIES ...])
#   iocp_add_chapter_program(NAME ch01_overlapped SOURCES main.cpp [LIBRARIES ...])
#   iocp_add_chapter_tests(PREFIX ch01 NAME ch01_tests SOURCES a_test.cpp [LIBRARIES ...]
#                          [LABELS ...] [TIMEOUT seconds, default 120])
#   iocp_add_cli_test(NAME ch01.help PROGRAM ch01_overlapped ARGS --help
#                     EXIT 0|nonzero OUTPUT "regex" [TIMEOUT seconds, default 100] [LABELS ...]
#                     [INPUT "text"])   (INPUT: the program's stdin, then EOF)
#
# Every test name starts with its prefix and a dot (ch01., common., docs.), so
# `ctest -R ch01` selects one chapter. Executables land in <build>/bin.
include(GoogleTest)

set(_iocp_check_command "${CMAKE_CURRENT_LIST_DIR}/CheckCommand.cmake")

# A chapter's code in a static library, so its program and its tests share it. Its headers are
# found in INCLUDE (default: the calling directory); it uses iocp::common and LIBRARIES.
function(iocp_add_chapter_library)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;INCLUDE" "SOURCES;LIBRARIES")
    if(NOT arg_INCLUDE)
        set(arg_INCLUDE "${CMAKE_CURRENT_SOURCE_DIR}")
    endif()
    add_library(${arg_NAME} STATIC ${arg_SOURCES})
    target_include_directories(${arg_NAME} PUBLIC "${arg_INCLUDE}")
    target_link_libraries(${arg_NAME}
        PUBLIC iocp::common iocp::platform ${arg_LIBRARIES}
        PRIVATE iocp::warnings)
endfunction()

# [snippet:cmake_chapter_program]
function(iocp_add_chapter_program)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME" "SOURCES;LIBRARIES")
    add_executable(${arg_NAME} ${arg_SOURCES})
    target_link_libraries(${arg_NAME} PRIVATE iocp::common iocp::platform iocp::warnings
                                              ${arg_LIBRARIES})
endfunction()
# [/snippet]

function(iocp_add_chapter_tests)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "PREFIX;NAME;TIMEOUT" "SOURCES;LIBRARIES;LABELS")
    if(NOT arg_TIMEOUT)
        set(arg_TIMEOUT 120)
    endif()
    add_executable(${arg_NAME} ${arg_SOURCES})
    target_link_libraries(${arg_NAME} PRIVATE iocp::testing iocp::platform iocp::warnings
                                              ${arg_LIBRARIES})
    # A test executable's files are compiled together (a unity build), all of them in one:
    # each alone would parse GoogleTest (and windows.h) again. The chapters' own sources stay
    # one file at a time, so each of them is known to compile by itself.
    set_target_properties(${arg_NAME} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
    # Tests run through Wine are told so (tests/common/wine_test.cpp checks the detection).
    set(environment "")
    if(CMAKE_CROSSCOMPILING_EMULATOR)
        set(environment "IOCP_EXPECT_WINE=1")
    endif()
    # PRE_TEST: the test list is read when CTest starts, not at build time, so building never
    # needs Wine. The generous timeout covers a first run that creates the Wine prefix.
    gtest_discover_tests(${arg_NAME}
        TEST_PREFIX "${arg_PREFIX}."
        # Parameterised tests name their cases themselves (a name generator), so no "# GetParam()
        # = ..." is appended to the CTest names.
        NO_PRETTY_VALUES
        DISCOVERY_MODE PRE_TEST
        DISCOVERY_TIMEOUT 120
        PROPERTIES LABELS "${arg_PREFIX};${arg_LABELS}" TIMEOUT ${arg_TIMEOUT}
                   ENVIRONMENT "${environment}")
endfunction()

function(iocp_add_cli_test)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;PROGRAM;EXIT;OUTPUT;TIMEOUT;INPUT"
                          "ARGS;LABELS")
    if(NOT arg_TIMEOUT)
        set(arg_TIMEOUT 100)
    endif()
    set(input "")
    if(DEFINED arg_INPUT)
        # A file of its own per test, written when CMake configures; the script feeds it in.
        set(input_file "${CMAKE_CURRENT_BINARY_DIR}/${arg_NAME}.stdin")
        file(WRITE "${input_file}" "${arg_INPUT}")
        set(input "-DINPUT_FILE=${input_file}")
    endif()
    string(REGEX REPLACE "\\..*" "" prefix "${arg_NAME}")
    get_target_property(emulator ${arg_PROGRAM} CROSSCOMPILING_EMULATOR)
    if(NOT emulator)
        set(emulator "")
    endif()
    add_test(NAME ${arg_NAME}
        COMMAND ${CMAKE_COMMAND} "-DEXPECT_EXIT=${arg_EXIT}" "-DEXPECT_OUTPUT=${arg_OUTPUT}"
                "-DTIMEOUT=${arg_TIMEOUT}" ${input} -P "${_iocp_check_command}"
                -- ${emulator} $<TARGET_FILE:${arg_PROGRAM}> ${arg_ARGS})
    # CTest's own limit is a little longer, so the script's message names the cause.
    math(EXPR ctest_timeout "${arg_TIMEOUT} + 20")
    set_tests_properties(${arg_NAME} PROPERTIES LABELS "${prefix};cli;${arg_LABELS}"
                                                TIMEOUT ${ctest_timeout})
endfunction()
