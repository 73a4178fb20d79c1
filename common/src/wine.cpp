// common/src/wine.cpp: Wine detection through ntdll's wine_get_version (see iocp/wine.h).
#include "iocp/wine.h"

#include "iocp/error.h"

namespace iocp {
namespace {

using WineGetVersion = const char*(__cdecl*)();

WineGetVersion find_wine_get_version() {
    // Every Windows process has ntdll.dll loaded; GetModuleHandleW does not add a reference.
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    if (ntdll == nullptr) {
        throw_last_error("GetModuleHandleW(ntdll.dll)");
    }
    // NULL here is the answer "not Wine", not a failure.
    FARPROC proc = GetProcAddress(ntdll, "wine_get_version");
    // Going through void(*)() tells GCC the function-pointer cast is deliberate.
    return reinterpret_cast<WineGetVersion>(reinterpret_cast<void (*)()>(proc));
}

}  // namespace

bool running_under_wine() {
    return find_wine_get_version() != nullptr;
}

std::string wine_version() {
    const WineGetVersion get_version = find_wine_get_version();
    if (get_version == nullptr) {
        return {};
    }
    const char* version = get_version();
    return version != nullptr ? version : "unknown";
}

}  // namespace iocp
