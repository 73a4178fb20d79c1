// tools/doctext/doctext.cpp: the documentation tools' shared text and file helpers (doctext.h).
#include "doctext.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace iocp::doctext {

namespace fs = std::filesystem;

std::vector<Line> lines_of(std::string_view text) {
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

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    for (const Line& line : lines_of(text)) {
        lines.emplace_back(line.text);
    }
    return lines;
}

std::string_view trim(std::string_view text) {
    const std::size_t first = text.find_first_not_of(whitespace);
    if (first == std::string_view::npos) {
        return {};
    }
    const std::size_t last = text.find_last_not_of(whitespace);
    return text.substr(first, last - first + 1);
}

std::string in_quotes(std::string_view text) {
    return "'" + std::string(text) + "'";
}

std::optional<Fence> fence_opening(std::string_view trimmed) {
    if (trimmed.empty() || (trimmed.front() != '`' && trimmed.front() != '~')) {
        return std::nullopt;
    }
    const char mark = trimmed.front();
    const std::size_t length = std::min(trimmed.find_first_not_of(mark), trimmed.size());
    if (length < 3) {
        return std::nullopt;
    }
    return Fence{mark, length};
}

bool closes(std::string_view trimmed, const Fence& fence) {
    return trimmed.size() >= fence.length &&
           trimmed.find_first_not_of(fence.mark) == std::string_view::npos;
}

std::optional<std::string_view> comment_body(std::string_view trimmed) {
    constexpr std::string_view open = "<!--";
    constexpr std::string_view close = "-->";
    if (trimmed.size() < open.size() + close.size() || !trimmed.starts_with(open) ||
        !trimmed.ends_with(close)) {
        return std::nullopt;
    }
    return trim(trimmed.substr(open.size(), trimmed.size() - open.size() - close.size()));
}

std::optional<std::string_view> snippet_marker(std::string_view trimmed) {
    constexpr std::string_view keyword = "snippet";
    const std::optional<std::string_view> inner = comment_body(trimmed);
    if (!inner || !inner->starts_with(keyword)) {
        return std::nullopt;
    }
    const std::string_view rest = trim(inner->substr(keyword.size()));
    if (!rest.starts_with(':')) {
        return std::nullopt;
    }
    return trim(rest.substr(1));
}

std::string utf8(const fs::path& path) {
    const std::u8string text = path.generic_u8string();
    std::string result;
    result.reserve(text.size());
    for (const char8_t c : text) {
        result.push_back(static_cast<char>(c));
    }
    return result;
}

fs::path from_utf8(std::string_view text) {
    std::u8string result;
    result.reserve(text.size());
    for (const char c : text) {
        result.push_back(static_cast<char8_t>(c));
    }
    return fs::path(result);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read '" + utf8(path) + "'");
    }
    std::string contents{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        throw std::runtime_error("cannot read '" + utf8(path) + "'");
    }
    return contents;
}

void write_file(const fs::path& path, std::string_view contents) {
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path());
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();
    if (!out) {
        throw std::runtime_error("cannot write '" + utf8(path) + "'");
    }
}

std::optional<std::string> directory_problem(const fs::path& root) {
    std::error_code error;
    const fs::file_status status = fs::status(root, error);
    if (fs::is_directory(status)) {
        return std::nullopt;
    }
    return status.type() == fs::file_type::not_found ? "no such directory"
           : error                                   ? error.message()
                                                     : "not a directory";
}

Tree read_tree(const fs::path& root, const std::function<bool(std::string_view relative)>& wanted) {
    // "dir/" has an empty last element; relative paths are taken against "dir".
    const fs::path base =
        root.has_filename() || !root.has_relative_path() ? root : root.parent_path();
    Tree tree;
    try {
        const fs::recursive_directory_iterator end;
        for (fs::recursive_directory_iterator it(base); it != end; ++it) {
            const fs::path& path = it->path();
            if (it->is_directory()) {
                const std::string name = utf8(path.filename());
                if (name.starts_with('.') ||
                    (it.depth() == 0 && (name == "build" || name == "out"))) {
                    it.disable_recursion_pending();
                }
                continue;
            }
            const std::string relative = utf8(path.lexically_relative(base));
            if (it->is_regular_file() && wanted(relative)) {
                tree.emplace(relative, read_file(path));
            }
        }
    } catch (const fs::filesystem_error& e) {
        throw std::runtime_error("cannot read '" + utf8(e.path1()) + "': " + e.code().message());
    }
    return tree;
}

}  // namespace iocp::doctext
