# iocp_git_files(OUT [PATHSPEC...]): the files git knows of under the working directory (tracked,
# or new and not ignored), as a list; fails the script if git does. Included by the check scripts
# that CTest runs with `cmake -P` (FormatCheck.cmake, DocsCheck.cmake); they pass -DGIT=git.
function(iocp_git_files out)
    set(pathspecs "")
    if(ARGN)
        set(pathspecs -- ${ARGN})
    endif()
    execute_process(
        COMMAND "${GIT}" ls-files --cached --others --exclude-standard ${pathspecs}
        OUTPUT_VARIABLE listing RESULT_VARIABLE git_result)
    if(NOT git_result EQUAL 0)
        message(FATAL_ERROR "git ls-files failed (${git_result})")
    endif()
    string(REGEX REPLACE "\n$" "" listing "${listing}")
    string(REPLACE "\n" ";" files "${listing}")
    set(${out} "${files}" PARENT_SCOPE)
endfunction()
