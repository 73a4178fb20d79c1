// tools/translations/text.h: small text helpers shared by the translations tool's sources
// (lines with their byte offsets, trimming, UTF-8). Internal: not part of the library's API;
// the program they serve, `translations`, is described in translations.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace iocp::translations::text {

inline constexpr std::string_view whitespace = " \t\r\n\f\v";

// One line of a text: its content without "\r\n", and its bytes, terminator included.
struct Line {
    std::string_view text;
    std::size_t begin = 0;
    std::size_t end = 0;
};

inline std::vector<Line> lines_of(std::string_view text) {
    std::vector<Line> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t newline = text.find('\n', pos);
        const std::size_t stop = newline == std::string_view::npos ? text.size() : newline;
        const std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
        std::string_view content = text.substr(pos, stop - pos);
        if (!content.empty() && content.back() == '\r') {
            content.remove_suffix(1);
        }
        lines.push_back({content, pos, next});
        pos = next;
    }
    return lines;
}

inline std::string_view trim(std::string_view text) {
    const std::size_t first = text.find_first_not_of(whitespace);
    if (first == std::string_view::npos) {
        return {};
    }
    const std::size_t last = text.find_last_not_of(whitespace);
    return text.substr(first, last - first + 1);
}

inline std::string_view trim_right(std::string_view text, std::string_view chars) {
    const std::size_t last = text.find_last_not_of(chars);
    return last == std::string_view::npos ? std::string_view{} : text.substr(0, last + 1);
}

inline std::string in_quotes(std::string_view text) {
    return "'" + std::string(text) + "'";
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
