# CTest test format.check: clang-format in dry-run mode over every C++ source git knows of
# (tracked, or new and not ignored), failing on any difference from .clang-format.
# Registered only in a git checkout with clang-format installed. Versions of clang-format
# differ in small ways; the reference is the one Debian 12 ships (14).
find_program(IOCP_CLANG_FORMAT NAMES clang-format clang-format-14)
find_package(Git QUIET)
if(IOCP_CLANG_FORMAT AND GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
    add_test(NAME format.check
        COMMAND ${CMAKE_COMMAND} "-DCLANG_FORMAT=${IOCP_CLANG_FORMAT}" "-DGIT=${GIT_EXECUTABLE}"
                -P "${PROJECT_SOURCE_DIR}/cmake/FormatCheck.cmake"
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    set_tests_properties(format.check PROPERTIES LABELS format TIMEOUT 300)
else()
    message(STATUS "format.check not registered: needs clang-format and a git checkout")
endif()
