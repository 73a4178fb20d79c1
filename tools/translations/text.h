// tools/translations/text.h: small text helpers shared by the translations tool's sources
// (trimming given characters, UTF-8 code points). Internal: not part of the library's API; the
// program they serve, `translations`, is described in translations.h. What both documentation
// tools use (lines, trim(), fences...) is in tools/doctext/doctext.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace iocp::translations::text {

inline std::string_view trim_right(std::string_view text, std::string_view chars) {
    const std::size_t last = text.find_last_not_of(chars);
    return last == std::string_view::npos ? std::string_view{} : text.substr(0, last + 1);
}

// The next code point of `text` at `pos` (advanced past it); a byte that does not start a valid
// UTF-8 sequence is returned as itself (0x80-0xFF) and skipped alone.
inline char32_t next_code_point(std::string_view text, std::size_t& pos) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char first = byte(pos);
    std::size_t length = 1;
    char32_t value = first;
    if (first >= 0xF0 && first < 0xF8) {
        length = 4;
        value = first & 0x07U;
    } else if (first >= 0xE0) {
        length = 3;
        value = first & 0x0FU;
    } else if (first >= 0xC0) {
        length = 2;
        value = first & 0x1FU;
    }
    if (length == 1 || pos + length > text.size()) {
        ++pos;
        return first;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(pos + i) & 0xC0U) != 0x80U) {
            ++pos;
            return first;
        }
        value = (value << 6U) | (byte(pos + i) & 0x3FU);
    }
    pos += length;
    return value;
}

inline void append_utf8(std::string& out, char32_t c) {
    const auto put = [&](unsigned value) { out.push_back(static_cast<char>(value)); };
    const auto code = static_cast<unsigned>(c);
    if (code < 0x80U) {
        put(code);
    } else if (code < 0x800U) {
        put(0xC0U | (code >> 6U));
        put(0x80U | (code & 0x3FU));
    } else if (code < 0x10000U) {
        put(0xE0U | (code >> 12U));
        put(0x80U | ((code >> 6U) & 0x3FU));
        put(0x80U | (code & 0x3FU));
    } else {
        put(0xF0U | (code >> 18U));
        put(0x80U | ((code >> 12U) & 0x3FU));
        put(0x80U | ((code >> 6U) & 0x3FU));
        put(0x80U | (code & 0x3FU));
    }
}

}  // namespace iocp::translations::text
