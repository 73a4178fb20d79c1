# Script behind the docs.links test (see IocpDocsCheck.cmake). Checks the Markdown of a tree:
#   - every relative link or image in a .md names a file or folder that exists;
#   - every file under docs/figures/ is shown by some .md (a figure no doc uses is dead weight);
#   - every GoogleTest test a .md names by its CTest name (ch03.Suite.Name) is defined in some
#     *_test.cpp ("ch03.Suite.Prefix…" names a prefix);
#   - no text file names the folder "shared" (with a slash after it): the notes kept beside
#     the repository while it was written are not in it, and a reader has no such folder.
# Run from the root of the tree to check:
#   cmake -DGIT=git [-DEXCLUDE=path/prefix/] -P cmake/DocsCheck.cmake
# Files are those git knows of (tracked, or new and not ignored). Fenced code is skipped.
cmake_minimum_required(VERSION 3.25)  # IN_LIST, cmake_path
include("${CMAKE_CURRENT_LIST_DIR}/GitFiles.cmake")
iocp_git_files(files)

set(docs "")
set(figures "")
set(test_sources "")
set(texts "")
foreach(file IN LISTS files)
    if(NOT EXISTS "${file}" OR (EXCLUDE AND file MATCHES "^${EXCLUDE}"))
        continue()
    endif()
    if(file MATCHES "\\.md$")
        list(APPEND docs "${file}")
    endif()
    if(file MATCHES "(^|/)docs/figures/")
        list(APPEND figures "${file}")
    endif()
    if(file MATCHES "\\.(md|h|hpp|cpp|cmake|txt|sh|json|yml|svg)$|^\\.ci/")
        list(APPEND texts "${file}")
    endif()
    if(file MATCHES "_test\\.cpp$")
        file(READ "${file}" source)
        string(APPEND test_sources "${source}")
    endif()
endforeach()
if(NOT docs)
    message(FATAL_ERROR "no Markdown files found: run this from the root of the tree")
endif()

set(problems 0)
set(shown "")
# A CTest name of a GoogleTest test: part, suite, test, and "…" when only a prefix is given.
set(test_name "(ch0[1-4]|common|reliability|bench|docs)\\.([A-Z][A-Za-z0-9_]*)\\.")
string(APPEND test_name "([A-Za-z0-9_]+)(…)?")
foreach(doc IN LISTS docs)
    get_filename_component(dir "${doc}" DIRECTORY)
    # One list element per line. ";" separates list elements and an unmatched "[" or "]" would
    # glue lines together, so all three are replaced before the split.
    file(READ "${doc}" text)
    string(REPLACE ";" "<semicolon>" text "${text}")
    string(REPLACE "[" "<open>" text "${text}")
    string(REPLACE "]" "<close>" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    set(number 0)
    set(fence "")  # the open fence ("```", "````", "~~~"...), empty outside fenced code
    foreach(line IN LISTS lines)
        math(EXPR number "${number} + 1")
        if(fence STREQUAL "" AND line MATCHES "^[ \t]*(```+|~~~+)")
            set(fence "${CMAKE_MATCH_1}")
            continue()
        endif()
        if(NOT fence STREQUAL "")
            # A fence closes on a line of at least as many of the same characters, alone.
            if(line MATCHES "^[ \t]*(```+|~~~+)[ \t]*$")
                string(LENGTH "${fence}" open_length)
                string(LENGTH "${CMAKE_MATCH_1}" close_length)
                string(SUBSTRING "${fence}" 0 1 open_char)
                string(SUBSTRING "${CMAKE_MATCH_1}" 0 1 close_char)
                if(close_char STREQUAL open_char AND close_length GREATER_EQUAL open_length)
                    set(fence "")
                endif()
            endif()
            continue()
        endif()
        # A test named in prose, "ch03.Suite.Name" (or "ch03.Suite.Prefix…"), must exist.
        string(REGEX MATCHALL "${test_name}" names "${line}")
        foreach(name IN LISTS names)
            string(REGEX MATCH "${test_name}" name "${name}")
            set(pattern "TEST(_F|_P)?\\(${CMAKE_MATCH_2}, *${CMAKE_MATCH_3}")
            if(NOT CMAKE_MATCH_4)
                string(APPEND pattern "\\)")  # the whole name, not a prefix
            endif()
            if(NOT test_sources MATCHES "${pattern}")
                message("${doc}:${number}: test '${name}': no such test in any *_test.cpp")
                math(EXPR problems "${problems} + 1")
            endif()
        endforeach()
        string(REGEX REPLACE "`[^`]*`" "" line "${line}")  # inline code is not a link
        string(REGEX MATCHALL "<close>\\([^) ]+\\)" links "${line}")
        foreach(link IN LISTS links)
            string(REGEX REPLACE "^<close>\\(([^)#]*).*$" "\\1" target "${link}")
            if(target STREQUAL "" OR target MATCHES "^[a-z]+:")
                continue()  # an anchor in the same page, or http:, https:, mailto:
            endif()
            if(dir)
                set(path "${dir}/${target}")
            else()
                set(path "${target}")
            endif()
            cmake_path(NORMAL_PATH path)
            if(NOT EXISTS "${path}")
                message("${doc}:${number}: link to '${target}': no such file")
                math(EXPR problems "${problems} + 1")
            endif()
            list(APPEND shown "${path}")
        endforeach()
    endforeach()
endforeach()

foreach(figure IN LISTS figures)
    if(NOT figure IN_LIST shown)
        message("${figure}: no doc shows this figure")
        math(EXPR problems "${problems} + 1")
    endif()
endforeach()

# The folder's name and its slash are split so that this script does not find itself.
set(outside "sha")
string(APPEND outside "red/")
foreach(file IN LISTS texts)
    file(STRINGS "${file}" hits REGEX "${outside}" ENCODING UTF-8)
    foreach(hit IN LISTS hits)
        message("${file}: points outside the repository: ${hit}")
        math(EXPR problems "${problems} + 1")
    endforeach()
endforeach()

list(LENGTH docs doc_count)
list(LENGTH figures figure_count)
if(problems GREATER 0)
    message(FATAL_ERROR "docs.links: ${problems} problem(s)")
endif()
message(STATUS "docs.links: ${doc_count} docs, ${figure_count} figures, all links resolve")
