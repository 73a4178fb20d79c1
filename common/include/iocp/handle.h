// common/include/iocp/handle.h: UniqueHandle owns a kernel HANDLE and closes it exactly once.
//
// Move-only, like std::unique_ptr. "No handle" is stored as nullptr; INVALID_HANDLE_VALUE given
// to the constructor counts as no handle too. close() closes now and throws if CloseHandle
// fails; the destructor closes too but cannot throw, so it reports a failure on stderr.
#pragma once

#include "iocp/win32.h"

namespace iocp {

class UniqueHandle {
public:
    UniqueHandle() noexcept = default;
    explicit UniqueHandle(HANDLE handle) noexcept
        : handle_(handle == INVALID_HANDLE_VALUE ? nullptr : handle) {}
    ~UniqueHandle() { reset(); }

    UniqueHandle(UniqueHandle&& other) noexcept : handle_(other.release()) {}
    UniqueHandle& operator=(UniqueHandle&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;

    HANDLE get() const noexcept { return handle_; }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    // Gives up ownership: the caller must close the returned handle.
    HANDLE release() noexcept {
        HANDLE handle = handle_;
        handle_ = nullptr;
        return handle;
    }
    // Closes the handle owned now (reporting, not throwing, on failure) and owns `handle`.
    void reset(HANDLE handle = nullptr) noexcept;
    // Closes the handle now; throws std::system_error if CloseHandle fails.
    void close();

private:
    HANDLE handle_ = nullptr;
};

}  // namespace iocp
