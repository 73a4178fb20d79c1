// tests/common/wine_test.cpp: Wine detection agrees with how the test was started, and the
// skip helper skips under Wine only.
#include "iocp/testing.h"
#include "iocp/wine.h"

#include <gtest/gtest.h>

#include <string>

#include "iocp/win32.h"

namespace {

// CMake sets IOCP_EXPECT_WINE=1 on the tests it runs through Wine (the cross build).
bool launched_through_wine() {
    wchar_t value[8] = {};
    const DWORD length = GetEnvironmentVariableW(L"IOCP_EXPECT_WINE", value, 8);
    if (length == 0) {
        EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_ENVVAR_NOT_FOUND));
        return false;
    }
    return std::wstring(value) == L"1";
}

TEST(Wine, DetectionMatchesHowTheTestWasLaunched) {
    EXPECT_EQ(iocp::running_under_wine(), launched_through_wine());
}

TEST(Wine, VersionIsKnownExactlyUnderWine) {
    EXPECT_EQ(iocp::wine_version().empty(), !iocp::running_under_wine());
}

TEST(Wine, SkipHelperStopsTheTestUnderWine) {
    IOCP_SKIP_UNDER_WINE("this test demonstrates the skip helper itself");
    EXPECT_FALSE(iocp::running_under_wine()) << "the skip helper did not skip under Wine";
}

}  // namespace
