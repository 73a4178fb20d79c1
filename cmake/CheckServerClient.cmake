# Runs a server and a client as two processes, the server's stdout piped into the client's
# stdin, so the client can read the port the server printed: no fixed port. Both must exit 0;
# the client's output must match EXPECT_OUTPUT.
#
#   cmake -DEXPECT_OUTPUT=<regex> -P CheckServerClient.cmake -- <server command...> -- <client...>
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
if(NOT exit_codes STREQUAL "0;0")
    message(FATAL_ERROR "expected both to exit 0, got: ${exit_codes}")
endif()
if(NOT "${out}" MATCHES "${EXPECT_OUTPUT}")
    message(FATAL_ERROR "the client's output does not match: ${EXPECT_OUTPUT}")
endif()
