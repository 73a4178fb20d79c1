// tests/common/completion_port_test.cpp: CompletionPort hands back exactly what was queued, in
// queue order, and tells its three outcomes apart: a completed packet, a failed I/O's packet and
// no packet at all.
#include "iocp/completion_port.h"
#include "iocp/error.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <array>
#include <span>
#include <string>
#include <system_error>
#include <utility>

namespace {

using iocp::testing::handle_is_open;

using iocp::DequeueOutcome;
using iocp::testing::thrown_by;

// How long a test waits for a packet that must come. A passing test never waits it out; it
// only bounds a failing one.

// A receive's OVERLAPPED and its buffer. Tests declare it before the sockets, so it outlives
// them: closing a socket cancels the receive, and the system writes to both until it is done.
struct Receive {
    OVERLAPPED overlapped{};
    std::array<char, 16> buffer{};
};

// Starts an overlapped WSARecv into `receive`. Returns ERROR_SUCCESS when a packet will come
// (the receive is in flight, or done at once), else the error: then nothing is in flight.
DWORD start_receive(SOCKET socket, Receive& receive) {
    WSABUF buffer{static_cast<ULONG>(receive.buffer.size()), receive.buffer.data()};
    DWORD flags = 0;
    if (WSARecv(socket, &buffer, 1, nullptr, &flags, &receive.overlapped, nullptr) == 0) {
        return ERROR_SUCCESS;
    }
    const int error = WSAGetLastError();
    return error == WSA_IO_PENDING ? ERROR_SUCCESS : static_cast<DWORD>(error);
}

TEST(CompletionPort, PostThenGetReturnsExactlyWhatWasPosted) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    OVERLAPPED overlapped{};
    port.post(1234, 42, &overlapped);
    const iocp::Dequeued got = port.get(0);
    EXPECT_EQ(got.outcome, DequeueOutcome::completed);
    EXPECT_EQ(got.completion.bytes, 1234u);
    EXPECT_EQ(got.completion.key, ULONG_PTR{42});
    EXPECT_EQ(got.completion.overlapped, &overlapped);
    EXPECT_EQ(got.completion.error, DWORD{ERROR_SUCCESS});
    EXPECT_FALSE(got.timed_out());
}

TEST(CompletionPort, TryPostQueuesThePacketAndReportsSuccess) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    OVERLAPPED overlapped{};
    EXPECT_EQ(port.try_post(7, 8, &overlapped), DWORD{ERROR_SUCCESS});
    const iocp::Dequeued got = port.get(0);
    EXPECT_EQ(got.outcome, DequeueOutcome::completed);
    EXPECT_EQ(got.completion.bytes, 7u);
    EXPECT_EQ(got.completion.key, ULONG_PTR{8});
    EXPECT_EQ(got.completion.overlapped, &overlapped);
}

TEST(CompletionPort, TryPostOnAMovedFromPortReturnsTheErrorInsteadOfThrowing) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    const iocp::CompletionPort owner = std::move(port);
    // NOLINTNEXTLINE(bugprone-use-after-move): a moved-from port must fail, not crash
    EXPECT_EQ(port.try_post(0, 1), DWORD{ERROR_INVALID_HANDLE});
    static_assert(noexcept(port.try_post(0, 1)));
}

TEST(CompletionPort, APostedPacketWithoutAnOverlappedIsStillASuccess) {
    // The shape of a shutdown sentinel: GetQueuedCompletionStatus returns TRUE for it.
    iocp::CompletionPort port = iocp::CompletionPort::create();
    port.post(0, 7);
    const iocp::Dequeued got = port.get(0);
    EXPECT_EQ(got.outcome, DequeueOutcome::completed);
    EXPECT_EQ(got.completion.key, ULONG_PTR{7});
    EXPECT_EQ(got.completion.overlapped, nullptr);
    EXPECT_EQ(got.completion.error, DWORD{ERROR_SUCCESS});
}

TEST(CompletionPort, PostedPacketsComeBackInFifoOrderToOneConsumer) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    std::array<OVERLAPPED, 5> overlapped{};
    for (DWORD i = 0; i < overlapped.size(); ++i) {
        port.post(100 + i, i + 1, &overlapped[i]);
    }
    for (DWORD i = 0; i < overlapped.size(); ++i) {
        const iocp::Dequeued got = port.get(0);
        ASSERT_EQ(got.outcome, DequeueOutcome::completed) << "packet " << i;
        EXPECT_EQ(got.completion.bytes, 100 + i);
        EXPECT_EQ(got.completion.key, ULONG_PTR{i + 1});
        EXPECT_EQ(got.completion.overlapped, &overlapped[i]);
    }
    EXPECT_TRUE(port.get(0).timed_out());
}

TEST(CompletionPort, GetOnAnEmptyPortTimesOutWithNoPacket) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    for (const DWORD timeout_ms : {DWORD{0}, DWORD{10}}) {
        const iocp::Dequeued got = port.get(timeout_ms);
        EXPECT_EQ(got.outcome, DequeueOutcome::no_packet) << timeout_ms;
        EXPECT_EQ(got.completion.error, DWORD{WAIT_TIMEOUT}) << timeout_ms;
        EXPECT_TRUE(got.timed_out()) << timeout_ms;
        // Nothing was dequeued, so nothing is reported but the reason.
        EXPECT_EQ(got.completion.overlapped, nullptr);
        EXPECT_EQ(got.completion.key, ULONG_PTR{0});
        EXPECT_EQ(got.completion.bytes, 0u);
    }
}

TEST(CompletionPort, ACancelledReceiveComesBackAsFailedIoWithItsOverlapped) {
    iocp::WinsockSession winsock;
    Receive receive;
    iocp::CompletionPort port = iocp::CompletionPort::create();
    iocp::SocketPair pair = iocp::make_socket_pair();
    port.associate(pair.server.get(), 5);
    ASSERT_EQ(start_receive(pair.server.get(), receive), DWORD{ERROR_SUCCESS});
    // Nothing was sent, so the receive is still in flight and cancelling it fails it.
    iocp::check_bool(CancelIoEx(reinterpret_cast<HANDLE>(pair.server.get()), &receive.overlapped),
                     "CancelIoEx");
    const iocp::Dequeued got = port.get(iocp::testing::port_patience_ms);
    EXPECT_EQ(got.outcome, DequeueOutcome::failed_io);
    EXPECT_EQ(got.completion.error, DWORD{ERROR_OPERATION_ABORTED});
    EXPECT_EQ(got.completion.overlapped, &receive.overlapped);
    EXPECT_EQ(got.completion.key, ULONG_PTR{5});
    EXPECT_EQ(got.completion.bytes, 0u);
    EXPECT_FALSE(got.timed_out());
}

// Closes the socket under a pending receive and returns its packet. The packet still comes:
// until it is dequeued, `receive` is the kernel's, whatever the socket's fate.
iocp::Dequeued close_under_a_pending_receive(Receive& receive) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    iocp::SocketPair pair = iocp::make_socket_pair();
    port.associate(pair.server.get(), 7);
    EXPECT_EQ(start_receive(pair.server.get(), receive), DWORD{ERROR_SUCCESS});
    pair.server.close();
    return port.get(iocp::testing::port_patience_ms);
}

TEST(CompletionPort, AReceivePendingWhenItsSocketClosesStillComesBackFailed) {
    iocp::WinsockSession winsock;
    Receive receive;
    const iocp::Dequeued got = close_under_a_pending_receive(receive);
    ASSERT_EQ(got.outcome, DequeueOutcome::failed_io) << "error " << got.completion.error;
    EXPECT_NE(got.completion.error, DWORD{ERROR_SUCCESS});
    EXPECT_EQ(got.completion.overlapped, &receive.overlapped);
    EXPECT_EQ(got.completion.key, ULONG_PTR{7});
    EXPECT_EQ(got.completion.bytes, 0u);
}

// Not 995: that is CancelIoEx's code. Code that frees a request only on 995 leaks this one.
TEST(CompletionPort, AReceivePendingWhenItsSocketClosesFailsWithConnectionAbortedNotCancelled) {
    IOCP_SKIP_UNDER_WINE(
        "it completes such a receive with error 676, where Windows gives "
        "1236 (ERROR_CONNECTION_ABORTED) or 64 (ERROR_NETNAME_DELETED)");
    iocp::WinsockSession winsock;
    Receive receive;
    const iocp::Dequeued got = close_under_a_pending_receive(receive);
    ASSERT_EQ(got.outcome, DequeueOutcome::failed_io);
    const DWORD error = got.completion.error;
    EXPECT_TRUE(error == ERROR_CONNECTION_ABORTED || error == ERROR_NETNAME_DELETED)
        << "error " << error;
}

TEST(CompletionPort, AReceiveOnAnAssociatedSocketComesBackWithItsKeyAndByteCount) {
    iocp::WinsockSession winsock;
    Receive receive;
    iocp::CompletionPort port = iocp::CompletionPort::create();
    iocp::SocketPair pair = iocp::make_socket_pair();
    port.associate(pair.server.get(), 9);
    ASSERT_EQ(start_receive(pair.server.get(), receive), DWORD{ERROR_SUCCESS});
    const std::string hello = "hello";
    const int length = static_cast<int>(hello.size());
    EXPECT_EQ(iocp::check_wsa(send(pair.client.get(), hello.data(), length, 0), "send"), length);
    const iocp::Dequeued got = port.get(iocp::testing::port_patience_ms);
    EXPECT_EQ(got.outcome, DequeueOutcome::completed);
    EXPECT_EQ(got.completion.key, ULONG_PTR{9});
    EXPECT_EQ(got.completion.overlapped, &receive.overlapped);
    // Five bytes sent at once on loopback arrive whole in the one receive waiting for them.
    ASSERT_EQ(got.completion.bytes, hello.size());
    EXPECT_EQ(std::string(receive.buffer.data(), got.completion.bytes), hello);
}

TEST(CompletionPort, ASecondAssociationOfTheSameSocketFailsWithInvalidParameter) {
    iocp::WinsockSession winsock;
    iocp::CompletionPort port = iocp::CompletionPort::create();
    iocp::CompletionPort other = iocp::CompletionPort::create();
    iocp::SocketPair pair = iocp::make_socket_pair();
    port.associate(pair.server.get(), 1);
    const std::system_error again = thrown_by([&] { port.associate(pair.server.get(), 2); });
    EXPECT_EQ(again.code().value(), ERROR_INVALID_PARAMETER) << again.what();
    EXPECT_EQ(std::string(again.what()).rfind("CreateIoCompletionPort failed (error 87", 0), 0u)
        << again.what();
    const std::system_error elsewhere = thrown_by([&] { other.associate(pair.server.get(), 1); });
    EXPECT_EQ(elsewhere.code().value(), ERROR_INVALID_PARAMETER) << elsewhere.what();
}

TEST(CompletionPort, AssociatingInvalidHandleValueFails) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    const std::system_error e = thrown_by([&] { port.associate(INVALID_HANDLE_VALUE, 1); });
    EXPECT_EQ(e.code().value(), ERROR_INVALID_PARAMETER) << e.what();
}

TEST(CompletionPort, GetManyReturnsSeveralEntriesAtOnceInFifoOrder) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    std::array<OVERLAPPED, 3> overlapped{};
    for (DWORD i = 0; i < overlapped.size(); ++i) {
        port.post(10 + i, i + 1, &overlapped[i]);
    }
    std::array<OVERLAPPED_ENTRY, 8> entries{};
    const std::span<OVERLAPPED_ENTRY> got = port.get_many(entries, 0).entries;
    ASSERT_EQ(got.size(), overlapped.size());
    EXPECT_EQ(got.data(), entries.data());
    for (DWORD i = 0; i < got.size(); ++i) {
        const iocp::Completion completion = iocp::to_completion(got[i]);
        EXPECT_EQ(completion.bytes, 10 + i);
        EXPECT_EQ(completion.key, ULONG_PTR{i + 1});
        EXPECT_EQ(completion.overlapped, &overlapped[i]);
        EXPECT_EQ(completion.error, DWORD{ERROR_SUCCESS});
    }
}

TEST(CompletionPort, GetManyTakesNoMoreThanItHasRoomForAndLeavesTheRestQueued) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    for (ULONG_PTR key = 1; key <= 3; ++key) {
        port.post(0, key);
    }
    std::array<OVERLAPPED_ENTRY, 2> entries{};
    const std::span<OVERLAPPED_ENTRY> first = port.get_many(entries, 0).entries;
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].lpCompletionKey, ULONG_PTR{1});
    EXPECT_EQ(first[1].lpCompletionKey, ULONG_PTR{2});
    const std::span<OVERLAPPED_ENTRY> rest = port.get_many(entries, 0).entries;
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].lpCompletionKey, ULONG_PTR{3});
}

TEST(CompletionPort, GetManyReturnsNoEntriesOnTimeout) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    std::array<OVERLAPPED_ENTRY, 4> entries{};
    // After a wait that timed out the call itself says one entry was removed (Windows and Wine
    // alike); get_many must not believe it.
    for (const DWORD timeout_ms : {DWORD{0}, DWORD{10}}) {
        EXPECT_TRUE(port.get_many(entries, timeout_ms).timed_out()) << timeout_ms;
    }
}

TEST(CompletionPort, GetManyWithNoRoomForAnEntryIsRefused) {
    iocp::CompletionPort port = iocp::CompletionPort::create();
    port.post(0, 1);
    const std::system_error e = thrown_by([&] {
        const iocp::DequeuedMany none = port.get_many({}, 0);
        ADD_FAILURE() << none.entries.size() << " entries returned with no room for them";
    });
    EXPECT_EQ(e.code().value(), ERROR_INVALID_PARAMETER) << e.what();
    EXPECT_EQ(port.get(0).completion.key, ULONG_PTR{1});  // the packet is still queued
}

TEST(CompletionPort, GetManyReportsACancelledReceiveWithItsWin32Error) {
    iocp::WinsockSession winsock;
    Receive receive;
    iocp::CompletionPort port = iocp::CompletionPort::create();
    iocp::SocketPair pair = iocp::make_socket_pair();
    port.associate(pair.server.get(), 5);
    ASSERT_EQ(start_receive(pair.server.get(), receive), DWORD{ERROR_SUCCESS});
    iocp::check_bool(CancelIoEx(reinterpret_cast<HANDLE>(pair.server.get()), &receive.overlapped),
                     "CancelIoEx");
    std::array<OVERLAPPED_ENTRY, 4> entries{};
    const std::span<OVERLAPPED_ENTRY> got =
        port.get_many(entries, iocp::testing::port_patience_ms).entries;
    ASSERT_EQ(got.size(), 1u);
    const iocp::Completion completion = iocp::to_completion(got[0]);
    EXPECT_EQ(completion.error, DWORD{ERROR_OPERATION_ABORTED});
    EXPECT_EQ(completion.overlapped, &receive.overlapped);
    EXPECT_EQ(completion.key, ULONG_PTR{5});
}

TEST(CompletionPort, ToCompletionReadsTheEntrysNtStatusAsGetWould) {
    OVERLAPPED overlapped{};
    OVERLAPPED_ENTRY entry{};
    entry.lpCompletionKey = 3;
    entry.lpOverlapped = &overlapped;
    entry.dwNumberOfBytesTransferred = 12;

    entry.Internal = 0;  // STATUS_SUCCESS
    EXPECT_EQ(iocp::to_completion(entry).error, DWORD{ERROR_SUCCESS});
    entry.Internal = 0xC0000120;  // STATUS_CANCELLED
    const iocp::Completion cancelled = iocp::to_completion(entry);
    EXPECT_EQ(cancelled.error, DWORD{ERROR_OPERATION_ABORTED});
    EXPECT_EQ(cancelled.key, ULONG_PTR{3});
    EXPECT_EQ(cancelled.overlapped, &overlapped);
    EXPECT_EQ(cancelled.bytes, 12u);
    // A warning (STATUS_BUFFER_OVERFLOW: a datagram cut short) is not NT_SUCCESS: GQCS returns
    // FALSE for it, with ERROR_MORE_DATA.
    entry.Internal = 0x80000005;
    EXPECT_EQ(iocp::to_completion(entry).error, DWORD{ERROR_MORE_DATA});
}

TEST(CompletionPort, MovingTransfersOwnershipOfThePort) {
    iocp::CompletionPort first = iocp::CompletionPort::create();
    const HANDLE raw = first.native_handle();
    ASSERT_NE(raw, nullptr);
    iocp::CompletionPort second(std::move(first));
    EXPECT_EQ(first.native_handle(), nullptr);  // NOLINT(bugprone-use-after-move): it is empty
    EXPECT_EQ(second.native_handle(), raw);
    second.post(1, 2);
    EXPECT_EQ(second.get(0).completion.key, ULONG_PTR{2});

    iocp::CompletionPort third = iocp::CompletionPort::create();
    const HANDLE replaced = third.native_handle();
    third = std::move(second);
    EXPECT_EQ(third.native_handle(), raw);
    EXPECT_FALSE(handle_is_open(replaced));  // assignment closed the port `third` had
    EXPECT_TRUE(handle_is_open(raw));
}

TEST(CompletionPort, AMovedFromPortThrowsInsteadOfMakingANewOne) {
    iocp::WinsockSession winsock;
    iocp::CompletionPort port = iocp::CompletionPort::create();
    iocp::CompletionPort moved_from = iocp::CompletionPort::create();
    port = std::move(moved_from);
    iocp::SocketPair pair = iocp::make_socket_pair();
    // NOLINTBEGIN(bugprone-use-after-move): using the empty object is what is tested
    const std::system_error associate =
        thrown_by([&] { moved_from.associate(pair.server.get(), 1); });
    EXPECT_EQ(associate.code().value(), ERROR_INVALID_HANDLE) << associate.what();
    // A port handle that is not one is a bug, not a "no packet" outcome: get throws too.
    const std::system_error get = thrown_by([&] { static_cast<void>(moved_from.get(0)); });
    EXPECT_EQ(get.code().value(), ERROR_INVALID_HANDLE) << get.what();
    EXPECT_EQ(std::string(get.what()).rfind("GetQueuedCompletionStatus failed (error 6", 0), 0u)
        << get.what();
    const std::system_error post = thrown_by([&] { moved_from.post(0, 1); });
    EXPECT_EQ(post.code().value(), ERROR_INVALID_HANDLE) << post.what();
    // NOLINTEND(bugprone-use-after-move)
    // No port was made and bound behind our back: the socket is still free to join one.
    EXPECT_NO_THROW(port.associate(pair.server.get(), 1));
}

}  // namespace
