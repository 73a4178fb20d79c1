// tests/support/gtest_main.cpp: main() for every test program of this project.
//
// On Windows, stdout is switched to binary mode first. In the C runtime's default text mode
// every "\n" is written as "\r\n", and CMake's test discovery (which reads --gtest_list_tests)
// would then take the "\r" as part of each test's name.
#include <gtest/gtest.h>

#include <cstdio>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

int main(int argc, char** argv) {
#ifdef _WIN32
    if (_setmode(_fileno(stdout), _O_BINARY) == -1) {
        std::perror("_setmode(stdout, _O_BINARY)");
        return 1;
    }
#endif
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
