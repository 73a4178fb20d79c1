# Runs a server and a client as two processes, the server's stdout piped into the client's
# stdin, so the client can read the port the server printed: no fixed port. The server must
# exit 0, and so must the client unless CLIENT_EXIT=nonzero says it must fail; the client's
# output must match EXPECT_OUTPUT, and both processes' stderr EXPECT_ERROR if given.
#
#   cmake -DEXPECT_OUTPUT=<regex> [-DEXPECT_ERROR=<regex>] [-DCLIENT_EXIT=0|nonzero]
#         -P CheckServerClient.cmake -- <server command...> -- <client...>
#
# The server is expected to stop by itself (e.g. --exit-after) once the client is done.
set(server "")
set(client "")
set(part 0)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 1 ${last})
    if(CMAKE_ARGV${i} STREQUAL "--")
        math(EXPR part "${part} + 1")
    elseif(part EQUAL 1)
        list(APPEND server "${CMAKE_ARGV${i}}")
    elseif(part EQUAL 2)
        list(APPEND client "${CMAKE_ARGV${i}}")
    endif()
endforeach()
if(NOT server OR NOT client)
    message(FATAL_ERROR "usage: cmake -DEXPECT_OUTPUT=<regex> -P ${CMAKE_CURRENT_LIST_FILE} "
                        "-- <server...> -- <client...>")
endif()

execute_process(COMMAND ${server} COMMAND ${client} RESULTS_VARIABLE exit_codes
                OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 100)
message("--- client stdout ---\n${out}--- stderr (both) ---\n${err}--- exit codes: ${exit_codes}")
list(GET exit_codes 0 server_exit)
list(GET exit_codes 1 client_exit)
if(NOT server_exit STREQUAL "0")
    message(FATAL_ERROR "expected the server to exit 0, got: ${exit_codes}")
endif()
if(CLIENT_EXIT STREQUAL "nonzero")
    if(client_exit STREQUAL "0" OR NOT client_exit MATCHES "^[0-9]+$")
        message(FATAL_ERROR "expected the client to fail with an exit code, got: ${exit_codes}")
    endif()
elseif(NOT client_exit STREQUAL "0")
    message(FATAL_ERROR "expected the client to exit 0, got: ${exit_codes}")
endif()
if(DEFINED EXPECT_ERROR AND NOT "${err}" MATCHES "${EXPECT_ERROR}")
    message(FATAL_ERROR "stderr does not match: ${EXPECT_ERROR}")
endif()
if(NOT "${out}" MATCHES "${EXPECT_OUTPUT}")
    message(FATAL_ERROR "the client's output does not match: ${EXPECT_OUTPUT}")
endif()
