// tests/common/handle_test.cpp: UniqueHandle and UniqueSocket close exactly once, and moves
// transfer ownership.
#include "iocp/error.h"
#include "iocp/handle.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <utility>

namespace {

using iocp::testing::handle_is_open;

HANDLE new_event() {
    return iocp::check_handle(CreateEventW(nullptr, TRUE, FALSE, nullptr), "CreateEventW");
}

// Probes a value that may have been closed. Safe here only because this test thread opens
// nothing in between: Windows may reuse a closed value at once, for any new socket or handle.
bool socket_is_open(SOCKET socket) {
    int type = 0;
    int length = sizeof(type);
    if (getsockopt(socket, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &length) == 0) {
        return true;
    }
    EXPECT_EQ(WSAGetLastError(), WSAENOTSOCK);
    return false;
}

TEST(UniqueHandle, ClosesWhenItGoesOutOfScope) {
    HANDLE raw = new_event();
    {
        iocp::UniqueHandle owner(raw);
        EXPECT_TRUE(owner);
        EXPECT_EQ(owner.get(), raw);
        EXPECT_TRUE(handle_is_open(raw));
    }
    EXPECT_FALSE(handle_is_open(raw));
}

TEST(UniqueHandle, InvalidHandleValueMeansNoHandle) {
    iocp::UniqueHandle none(INVALID_HANDLE_VALUE);
    EXPECT_FALSE(none);
    EXPECT_EQ(none.get(), nullptr);
    EXPECT_NO_THROW(none.close());
}

TEST(UniqueHandle, MoveTransfersOwnershipAndAssignmentClosesTheOldHandle) {
    HANDLE first = new_event();
    HANDLE second = new_event();
    iocp::UniqueHandle a(first);
    iocp::UniqueHandle b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): a moved-from handle is empty
    EXPECT_EQ(b.get(), first);

    iocp::UniqueHandle c(second);
    c = std::move(b);
    EXPECT_EQ(c.get(), first);
    EXPECT_FALSE(handle_is_open(second));
    EXPECT_TRUE(handle_is_open(first));
}

TEST(UniqueHandle, ReleaseGivesUpOwnership) {
    HANDLE raw = nullptr;
    {
        iocp::UniqueHandle owner(new_event());
        raw = owner.release();
        EXPECT_FALSE(owner);
    }
    EXPECT_TRUE(handle_is_open(raw));
    iocp::check_bool(CloseHandle(raw), "CloseHandle");
}

TEST(UniqueHandle, CloseThrowsWhenCloseHandleFails) {
    HANDLE raw = new_event();
    iocp::check_bool(CloseHandle(raw), "CloseHandle");
    iocp::UniqueHandle stale(raw);  // a handle that is already closed
    try {
        stale.close();
        FAIL() << "closing a closed handle did not throw";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ERROR_INVALID_HANDLE);
    }
    EXPECT_FALSE(stale);
}

TEST(UniqueSocket, ClosesWhenItGoesOutOfScopeAndMoves) {
    iocp::WinsockSession winsock;
    SOCKET raw = INVALID_SOCKET;
    {
        iocp::UniqueSocket first = iocp::make_tcp_socket();
        raw = first.get();
        EXPECT_TRUE(socket_is_open(raw));
        iocp::UniqueSocket second(std::move(first));
        EXPECT_FALSE(first);  // NOLINT(bugprone-use-after-move)
        EXPECT_EQ(second.get(), raw);
    }
    EXPECT_FALSE(socket_is_open(raw));
}

TEST(UniqueSocket, CloseNowAndResetReplace) {
    iocp::WinsockSession winsock;
    iocp::UniqueSocket socket = iocp::make_tcp_socket();
    const SOCKET first = socket.get();
    iocp::UniqueSocket other = iocp::make_tcp_socket();
    const SOCKET second = other.release();
    socket.reset(second);
    EXPECT_FALSE(socket_is_open(first));
    EXPECT_EQ(socket.get(), second);
    socket.close();
    EXPECT_FALSE(socket);
    EXPECT_FALSE(socket_is_open(second));
}

}  // namespace
