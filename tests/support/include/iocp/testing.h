// tests/support/include/iocp/testing.h: helpers shared by the tests of every chapter.
//
// IOCP_SKIP_UNDER_WINE(reason) skips the rest of a test when it runs under Wine, stating the
// reason, for behaviour that Wine does not implement (the concurrency cap, LIFO wake order...).
// Never assert Wine's wrong behaviour instead, and never let such a test pass silently: CTest
// lists a skipped test as "Skipped" with this message.
#pragma once

#include <gtest/gtest.h>

#ifdef _WIN32
#include "iocp/wine.h"

#define IOCP_SKIP_UNDER_WINE(reason)                               \
    do {                                                           \
        if (::iocp::running_under_wine()) {                        \
            GTEST_SKIP() << "Wine " << ::iocp::wine_version()      \
                         << " differs from Windows: " << (reason); \
        }                                                          \
    } while (false)
#endif
