# Runs a command and checks both its exit code and its output, which CTest alone cannot do
# (PASS_REGULAR_EXPRESSION ignores the exit code).
#
#   cmake -DEXPECT_EXIT=0|nonzero -DEXPECT_OUTPUT=<regex> [-DTIMEOUT=seconds]
#         [-DINPUT_FILE=<file>] [-DREQUIRE_FILES=<path;...>] -P CheckCommand.cmake -- <command...>
#
# The output checked is stdout and stderr together; both are echoed for `ctest -V`. With
# INPUT_FILE the command's stdin is a pipe that `cmake -E cat` fills with the file and then
# closes (EOF), as a parent process would; else it is this script's. With REQUIRE_FILES, a
# missing file means the command cannot run here: the script prints "SKIP: <why>" and
# succeeds, and the test's SKIP_REGULAR_EXPRESSION ("SKIP: ") reports it as skipped, never as
# passed.
set(command "")
set(after_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 1 ${last})
    if(after_separator)
        list(APPEND command "${CMAKE_ARGV${i}}")
    elseif(CMAKE_ARGV${i} STREQUAL "--")
        set(after_separator TRUE)
    endif()
endforeach()
if(NOT command)
    message(FATAL_ERROR "usage: cmake -DEXPECT_EXIT=0|nonzero -DEXPECT_OUTPUT=<regex> "
                        "-P ${CMAKE_CURRENT_LIST_FILE} -- <command...>")
endif()

foreach(file IN LISTS REQUIRE_FILES)
    if(NOT EXISTS "${file}")
        message("SKIP: ${file} is not built (build that preset first; ./tutorial.sh test does)")
        return()
    endif()
endforeach()

if(NOT DEFINED TIMEOUT)
    set(TIMEOUT 100)
endif()
set(feed "")
if(DEFINED INPUT_FILE)
    set(feed COMMAND "${CMAKE_COMMAND}" -E cat "${INPUT_FILE}")
endif()
execute_process(${feed} COMMAND ${command} RESULTS_VARIABLE exit_codes OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT ${TIMEOUT})
list(GET exit_codes -1 exit_code)  # the command's, after the feeding cat's if any
message("--- stdout ---\n${out}--- stderr ---\n${err}--- exit code: ${exit_code}")

if(NOT exit_code MATCHES "^-?[0-9]+$")
    message(FATAL_ERROR "the command did not exit normally: ${exit_code}")
endif()
if(EXPECT_EXIT STREQUAL "nonzero")
    if(exit_code EQUAL 0)
        message(FATAL_ERROR "expected a non-zero exit code, got 0")
    endif()
elseif(NOT exit_code EQUAL EXPECT_EXIT)
    message(FATAL_ERROR "expected exit code ${EXPECT_EXIT}, got ${exit_code}")
endif()
if(DEFINED EXPECT_OUTPUT AND NOT "${out}${err}" MATCHES "${EXPECT_OUTPUT}")
    message(FATAL_ERROR "the output does not match: ${EXPECT_OUTPUT}")
endif()
