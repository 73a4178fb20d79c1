// tools/snippets/snippets.h: the documentation snippet checker (library behind `snippets`).
//
// Usage: snippets [--fix] [ROOT]. Sources name regions of code and Markdown docs include them,
// so docs never paste code by hand:
//   - in a source (.cpp .h .hpp .cc .c .cmake .sh, CMakeLists.txt) a line that trims to
//     "// [snippet:NAME]" or "# [snippet:NAME]" starts a region, one that trims to
//     "// [/snippet]" or "# [/snippet]" ends it; the body is dedented;
//   - in a doc (.md), outside fenced code, a line "<!-- snippet: NAME -->" is followed by a
//     fenced block that must equal render_block() of that region: "```LANG", a caption
//     ("// path/of/source.cpp" or "# path/of/CMakeLists.txt"), the body, "```".
// check_tree() reports differing blocks, missing and unused regions and malformed markers;
// fix_tree() rewrites differing blocks. Everything but read_tree() and run() works on memory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace iocp::snippets {

// Which comment opened a region: "//" or "#". It also prefixes the block's caption line.
enum class CommentStyle { slashes, hash };

enum class ProblemKind {
    differing,       // a doc block differs from its region (fixable)
    missing_region,  // a doc names a region that no source defines
    unused_region,   // no doc block includes a region
    malformed,       // bad markers: unterminated, unmatched, nested, duplicate, no fence...
};

struct Problem {
    ProblemKind kind = ProblemKind::malformed;
    std::string path;      // relative to the root, '/' separators
    std::size_t line = 0;  // 1-based
    std::string region;    // the region concerned, empty if none
    std::string message;

    friend bool operator==(const Problem&, const Problem&) = default;
};

struct Region {
    std::string name;
    std::string path;      // the source, relative to the root
    std::size_t line = 0;  // of the start marker
    CommentStyle style = CommentStyle::slashes;
    std::vector<std::string> body;  // dedented; blank lines are empty
};

struct DocBlock {
    std::string name;                // the region it includes
    std::string path;                // the doc, relative to the root
    std::size_t line = 0;            // of the <!-- snippet: NAME --> marker
    std::vector<std::string> lines;  // opening fence to closing fence, '\r' stripped
    std::size_t begin = 0;           // byte offset of the opening fence line in the doc
    std::size_t end = 0;             // byte offset just past the closing fence line's newline
};

struct ParsedSource {
    std::vector<Region> regions;    // complete regions only
    std::vector<Problem> problems;  // malformed markers
};

struct ParsedDoc {
    std::vector<DocBlock> blocks;    // blocks with a closed fence
    std::vector<Problem> problems;   // malformed markers and fences
    std::vector<std::string> names;  // every region a marker names, malformed ones included
};

// Relative path ('/' separators) -> file contents.
using Tree = std::map<std::string, std::string>;

struct Report {
    std::size_t regions = 0;
    std::size_t blocks = 0;
    std::vector<Problem> problems;  // sorted by path, line, kind, message
};

struct Fix {
    std::string path;
    std::size_t line = 0;  // of the block's marker
    std::string region;

    friend bool operator==(const Fix&, const Fix&) = default;
};

struct FixResult {
    Tree changed;            // the new text of each doc that was rewritten
    std::vector<Fix> fixes;  // sorted by path and line
};

bool is_valid_name(std::string_view name);  // [A-Za-z0-9_.-]+
bool is_source_path(std::string_view path);
bool is_doc_path(std::string_view path);
// "cpp", "cmake" or "bash" for a source path, "" for anything else.
std::string_view language_of(std::string_view path);

ParsedSource parse_regions(std::string_view path, std::string_view text);
ParsedDoc parse_doc_blocks(std::string_view path, std::string_view text);

// The block a doc must contain for `region`, fences and caption included.
std::vector<std::string> render_block(const Region& region);

Report check_tree(const Tree& tree);
FixResult fix_tree(const Tree& tree);

// "path:line: message".
std::string format_problem(const Problem& problem);
// "snippets: N regions, M doc blocks, all match", or "snippets: K problem(s)" followed, when a
// block differs, by "; run 'snippets --fix ROOT' to rewrite differing blocks".
std::string summary_line(const Report& report, std::string_view root);

// Every source and doc under `root`, skipping directories whose name starts with '.' and the
// top-level `build` and `out`. Throws std::runtime_error when `root` or a file is unreadable.
Tree read_tree(const std::filesystem::path& root);

// The whole program: parses `args` (without the program name), checks or fixes the tree and
// returns the exit code: 0 all match, 1 problems, 2 bad usage or unreadable files.
int run(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace iocp::snippets
