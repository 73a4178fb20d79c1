# CTest test docs.links: every relative link in the Markdown resolves, every figure is shown by a
# doc, every test a doc names exists, and nothing names a folder outside the repository
# (cmake/DocsCheck.cmake). A second test
# runs the script over a small tree with one of each problem, so a check that finds nothing
# cannot pass unnoticed. Registered only in a git checkout, like format.check.
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
    set(fixture tests/tools/docs_fixture)
    add_test(NAME docs.links
        COMMAND ${CMAKE_COMMAND} "-DGIT=${GIT_EXECUTABLE}" "-DEXCLUDE=${fixture}/"
                -P "${PROJECT_SOURCE_DIR}/cmake/DocsCheck.cmake"
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    # Exactly these four: the inline-code link, the fenced one, the anchor, the test that exists
    # and the prefix of one are not problems.
    string(CONCAT found "README.md:9: link to 'docs/missing.svg': no such file\n"
                        "README.md:11: test 'ch01.Fixture.Missing': no such test in any .*\n"
                        "docs/figures/unused.svg: no doc shows this figure\n"
                        "notes.txt: points outside the repository: .*"
                        "docs.links: 4 problem")
    add_test(NAME docs.links_finds_problems
        COMMAND ${CMAKE_COMMAND} -DEXPECT_EXIT=nonzero "-DEXPECT_OUTPUT=${found}"
                -P "${PROJECT_SOURCE_DIR}/cmake/CheckCommand.cmake" --
                ${CMAKE_COMMAND} "-DGIT=${GIT_EXECUTABLE}"
                -P "${PROJECT_SOURCE_DIR}/cmake/DocsCheck.cmake"
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}/${fixture}")
    set_tests_properties(docs.links docs.links_finds_problems PROPERTIES LABELS docs TIMEOUT 120)
else()
    message(STATUS "docs.links not registered: needs git and a git checkout")
endif()
