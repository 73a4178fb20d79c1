# Script behind the format.check test (see IocpFormatCheck.cmake). Run from the source root:
#   cmake -DCLANG_FORMAT=clang-format -DGIT=git -P cmake/FormatCheck.cmake
include("${CMAKE_CURRENT_LIST_DIR}/GitFiles.cmake")
iocp_git_files(files *.cpp *.h *.hpp)
set(existing "")
foreach(file IN LISTS files)
    if(EXISTS "${file}")  # a file deleted in the work tree but still in the index
        list(APPEND existing "${file}")
    endif()
endforeach()
list(LENGTH existing count)
if(count EQUAL 0)
    message(FATAL_ERROR "no C++ sources found: run this from the source root")
endif()
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror ${existing}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "clang-format found differences; fix them with: "
                        "clang-format -i <file> (using the root .clang-format)")
endif()
message(STATUS "format.check: ${count} files match .clang-format")
