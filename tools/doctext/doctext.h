// tools/doctext/doctext.h: the text and file helpers both documentation tools use, `snippets`
// (tools/snippets) and `translations` (tools/translations): lines with their byte offsets,
// trimming, quoting, Markdown code fences and comments, UTF-8 paths, whole files and the tree
// of files a tool reads.
//
// Only the last group, from read_file() on, touches the disk; read_file(), write_file() and
// read_tree() throw std::runtime_error naming the file ("cannot read 'path'", "cannot write
// 'path'"). No state: every function works on its arguments alone.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iocp::doctext {

// What trim() removes: ASCII space, tab, CR, LF, form feed and vertical tab.
inline constexpr std::string_view whitespace = " \t\r\n\f\v";

// One line of a text: its content without "\r\n", and its bytes, terminator included.
struct Line {
    std::string_view text;
    std::size_t begin = 0;
    std::size_t end = 0;
};

// The lines of `text` split at '\n', each without a trailing '\r'. No empty line after a final
// '\n'; the lines' [begin, end) cover the whole text.
std::vector<Line> lines_of(std::string_view text);
// The same lines as strings.
std::vector<std::string> split_lines(std::string_view text);

// `text` without leading and trailing `whitespace`.
std::string_view trim(std::string_view text);
// "'text'", for messages.
std::string in_quotes(std::string_view text);

// A Markdown code fence: three or more backticks or tildes.
struct Fence {
    char mark = '`';
    std::size_t length = 0;
};

// The fence a trimmed line opens, if it opens one (an info string may follow the marks).
std::optional<Fence> fence_opening(std::string_view trimmed);
// Whether a trimmed line closes `fence`: only its mark, at least as many times.
bool closes(std::string_view trimmed, const Fence& fence);

// The inside of "<!-- ... -->", trimmed, if the trimmed line is one whole comment.
std::optional<std::string_view> comment_body(std::string_view trimmed);
// NAME of a trimmed line "<!-- snippet: NAME -->" (any whitespace around the words, none
// needed); the name is not validated.
std::optional<std::string_view> snippet_marker(std::string_view trimmed);

// A path as UTF-8 with '/' separators, and back.
std::string utf8(const std::filesystem::path& path);
std::filesystem::path from_utf8(std::string_view text);

// The file's bytes.
std::string read_file(const std::filesystem::path& path);
// Replaces the file's bytes with `contents`, creating its directory first if need be.
void write_file(const std::filesystem::path& path, std::string_view contents);

// Relative path ('/' separators) -> file contents.
using Tree = std::map<std::string, std::string>;

// Why `root` cannot be read as a directory ("no such directory", the system's reason or "not a
// directory"); nothing when it is a directory.
std::optional<std::string> directory_problem(const std::filesystem::path& root);
// Every regular file under `root` whose relative path `wanted` accepts, skipping directories
// whose name starts with '.' and the top-level `build` and `out`. Throws std::runtime_error
// when `root` or a file is unreadable.
Tree read_tree(const std::filesystem::path& root,
               const std::function<bool(std::string_view relative)>& wanted);

}  // namespace iocp::doctext
