// tests/common/extensions_test.cpp: the extension functions are the real ones (an AcceptEx and
// a ConnectEx loaded here connect two sockets), skip-on-success really skips the port, every
// helper reports a non-socket, and key_as / context_of lead a packet back to its objects.
#include "iocp/completion_port.h"
#include "iocp/error.h"
#include "iocp/extensions.h"
#include "iocp/loopback.h"
#include "iocp/socket.h"
#include "iocp/testing.h"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace {

using iocp::testing::thrown_by;

constexpr DWORD address_room = sizeof(sockaddr_in) + 16;  // AcceptEx wants 16 bytes more

struct Request {
    OVERLAPPED overlapped{};
    int tag = 0;
};

// Takes one packet, which must be a success, and returns it.
iocp::Completion next_packet(iocp::CompletionPort& port) {
    const iocp::Dequeued got = port.get(iocp::testing::port_patience_ms);
    EXPECT_EQ(got.outcome, iocp::DequeueOutcome::completed) << "error " << got.completion.error;
    return got.completion;
}

TEST(Extensions, AcceptExAndConnectExLoadedHereConnectTwoSockets) {
    iocp::WinsockSession winsock;
    // Declared before the sockets: the system may write to them until their packets come.
    Request accepted{{}, 1};
    Request connected{{}, 2};
    std::array<std::byte, 2 * address_room> addresses{};
    iocp::Listener listener = iocp::listen_loopback();
    iocp::UniqueSocket client = iocp::make_tcp_socket();
    iocp::UniqueSocket server = iocp::make_tcp_socket();
    const LPFN_ACCEPTEX accept_ex = iocp::load_accept_ex(listener.socket.get());
    const LPFN_CONNECTEX connect_ex = iocp::load_connect_ex(client.get());
    ASSERT_NE(accept_ex, nullptr);
    ASSERT_NE(connect_ex, nullptr);
    iocp::CompletionPort port = iocp::CompletionPort::create();
    port.associate(listener.socket.get(), 10);
    port.associate(client.get(), 20);

    DWORD received = 0;
    if (!accept_ex(listener.socket.get(), server.get(), addresses.data(), 0, address_room,
                   address_room, &received, &accepted.overlapped)) {
        ASSERT_EQ(WSAGetLastError(), ERROR_IO_PENDING);
    }
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    iocp::check_wsa(bind(client.get(), reinterpret_cast<const sockaddr*>(&any), sizeof(any)),
                    "bind");  // ConnectEx wants a bound socket
    const sockaddr_in to = iocp::loopback_address(listener.port);
    if (!connect_ex(client.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to), nullptr, 0,
                    nullptr, &connected.overlapped)) {
        ASSERT_EQ(WSAGetLastError(), ERROR_IO_PENDING);
    }

    // Both complete, in either order, each carrying its own socket's key.
    int tags = 0;
    for (int i = 0; i < 2; ++i) {
        const iocp::Completion packet = next_packet(port);
        ASSERT_NE(packet.overlapped, nullptr);
        const Request& request = iocp::context_of<Request>(packet.overlapped);
        EXPECT_EQ(packet.key, request.tag == 1 ? ULONG_PTR{10} : ULONG_PTR{20});
        tags += request.tag;
    }
    EXPECT_EQ(tags, 3);
    // The two sockets are the two ends of one connection: a byte goes across.
    iocp::check_wsa(setsockopt(client.get(), SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0),
                    "setsockopt(SO_UPDATE_CONNECT_CONTEXT)");
    const std::array<std::byte, 1> byte{std::byte{0x5A}};
    iocp::testing::set_timeouts(server.get());
    iocp::testing::send_all(client.get(), byte);
    EXPECT_EQ(iocp::testing::receive_exactly(server.get(), 1),
              std::vector<std::byte>(byte.begin(), byte.end()));
}

TEST(Extensions, EveryHelperRejectsANonSocketWithNotSock) {
    iocp::WinsockSession winsock;
    const auto expect_not_sock = [](const std::system_error& error) {
        EXPECT_EQ(error.code().value(), WSAENOTSOCK) << error.what();
    };
    expect_not_sock(thrown_by([] { static_cast<void>(iocp::load_accept_ex(INVALID_SOCKET)); }));
    expect_not_sock(thrown_by([] { static_cast<void>(iocp::load_connect_ex(INVALID_SOCKET)); }));
    expect_not_sock(thrown_by([] { static_cast<void>(iocp::has_ifs_handles(INVALID_SOCKET)); }));
    EXPECT_NE(iocp::skip_completion_port_on_success(INVALID_SOCKET), DWORD{ERROR_SUCCESS});
}

// With the mode set, a receive that completes at once queues no packet: its caller has the
// result already. Without it the same receive would queue one (common.CompletionPort tests).
TEST(Extensions, SkipOnSuccessLeavesAReceiveDoneAtOnceOffThePort) {
    iocp::WinsockSession winsock;
    Request receive{};  // before the sockets: it outlives them
    std::array<char, 4> buffer{};
    iocp::SocketPair pair = iocp::make_socket_pair();
    if (!iocp::has_ifs_handles(pair.server.get())) {
        GTEST_SKIP() << "this machine's TCP provider has no IFS handles: the mode is not safe";
    }
    iocp::CompletionPort port = iocp::CompletionPort::create();
    port.associate(pair.server.get(), 7);
    ASSERT_EQ(iocp::skip_completion_port_on_success(pair.server.get()), DWORD{ERROR_SUCCESS});

    const std::array<std::byte, 1> byte{std::byte{1}};
    iocp::testing::send_all(pair.client.get(), byte);
    // Wait until the byte has arrived, so the receive below completes at once.
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(pair.server.get(), &readable);
    timeval patience{10, 0};
    ASSERT_EQ(iocp::check_wsa(select(0, &readable, nullptr, nullptr, &patience), "select"), 1);

    WSABUF wsabuf{static_cast<ULONG>(buffer.size()), buffer.data()};
    DWORD bytes = 0;
    DWORD flags = 0;
    ASSERT_EQ(WSARecv(pair.server.get(), &wsabuf, 1, &bytes, &flags, &receive.overlapped, nullptr),
              0)
        << "error " << WSAGetLastError();
    EXPECT_EQ(bytes, 1u);
    EXPECT_TRUE(port.get(0).timed_out()) << "a packet came for a receive done at once";
}

TEST(Extensions, ContextOfLeadsAPacketBackToItsRequest) {
    Request request{{}, 42};
    EXPECT_EQ(&iocp::context_of<Request>(&request.overlapped), &request);
    iocp::CompletionPort port = iocp::CompletionPort::create();
    port.post(0, 1, &request.overlapped);
    const iocp::Completion packet = next_packet(port);
    EXPECT_EQ(iocp::context_of<Request>(packet.overlapped).tag, 42);
    EXPECT_THROW(static_cast<void>(iocp::context_of<Request>(nullptr)), std::invalid_argument);
}

TEST(Extensions, KeyAsLeadsAKeyBackToItsObject) {
    struct Session {
        int id = 0;
    };
    Session session{7};
    iocp::CompletionPort port = iocp::CompletionPort::create();
    port.post(0, reinterpret_cast<ULONG_PTR>(&session));
    const iocp::Completion packet = next_packet(port);
    Session& found = iocp::key_as<Session>(packet.key);
    EXPECT_EQ(&found, &session);
    EXPECT_EQ(found.id, 7);
    EXPECT_THROW(static_cast<void>(iocp::key_as<Session>(0)), std::invalid_argument);
}

}  // namespace
