// tools/translations/translations.h: the Korean translation's checks (library behind
// `translations`): the Korean docs against the English ones, section links, Korean figures.
//
// Usage (ROOT defaults to "."; exit 0 clean, 1 problems, 2 bad usage or unreadable files):
//   translations [ROOT]                  the drift check (CTest docs.translations)
//   translations --stamp [ROOT]          refresh every Korean section's sync stamp, then check
//   translations --anchors [ROOT]        section links of every doc (CTest docs.anchors)
//   translations --figures [ROOT]        docs/figures/ko against the label table
//                                        (CTest docs.figures_ko)
//   translations --figures --fix [ROOT]  regenerate docs/figures/ko/*.svg
//
// Layout: each English doc (README.md, docs/X.md) has a Korean one (README.ko.md, docs/ko/X.md);
// docs/ko/glossary.md is Korean only. The drift check fails, with "path:line: message", when a
// Korean doc is missing or has no English doc, or differs from its English doc in its headings'
// number, order or levels, its fenced code blocks (byte for byte, in order), its snippet markers
// or its figures (docs/figures/ko/NAME.svg where the English shows docs/figures/NAME.svg); when
// a Korean doc links to an English doc that has a Korean version (except its own English doc);
// when README.md's first 5 lines do not link README.ko.md or the other way round; and when a
// section is out of sync.
//
// Sections and sync stamps. A section is a heading (outside fenced code) and the lines up to
// the next heading of any level; the lines before the first heading belong to the first
// section. On the line right after each Korean heading is a stamp
//   <!-- sync: en=XXXXXXXX ko=YYYYYYYY -->
// where en is the hash of the matching English section (same position) and ko the hash of the
// Korean section, both as they were when a human last brought them into agreement. A section's
// hash: its lines without stamp lines, '\r' and trailing spaces and tabs removed, trailing empty
// lines dropped, each line followed by '\n'; hashed with 32-bit FNV-1a (offset 2166136261,
// prime 16777619) and written as 8 lowercase hex digits. When either side changes, the check
// fails naming the section; after updating the other side (or checking it needs nothing), run
// `translations --stamp ROOT` (the program is in build/<preset>/bin) and commit the stamps.
//
// Anchors. A link "file.md#anchor" or "#anchor" must name a heading of its target under
// GitHub's rules (slug()): the heading's text as rendered (links become their text, backticks
// go), ASCII lowercased; every character removed that is not a letter, digit, '_', '-' or
// space (non-ASCII letters such as Hangul are kept; the punctuation blocks listed in
// is_removed_code_point() go); spaces become '-'; a repeated slug gets "-1", "-2"... Percent
// escapes in the link are decoded first. Docs under tests/ (fixtures) are not checked.
//
// Figures: see ko_figures.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace iocp::translations {

// Relative path ('/' separators) -> file contents.
using Tree = std::map<std::string, std::string>;

struct Problem {
    std::string path;      // relative to the root, '/' separators
    std::size_t line = 0;  // 1-based; 0 for the file as a whole
    std::string message;

    friend bool operator==(const Problem&, const Problem&) = default;
};

struct Report {
    std::size_t checked = 0;  // Korean docs, docs or figures, by check
    std::vector<Problem> problems;
};

// --- Markdown ---------------------------------------------------------------------------------

struct Heading {
    std::size_t line = 0;  // 1-based
    int level = 0;         // 1 for "#" ... 6
    std::string text;      // as rendered: see heading_text()
};

struct CodeBlock {
    std::size_t line = 0;            // of the opening fence
    std::vector<std::string> lines;  // opening fence to closing fence, '\r' stripped
};

struct Marker {
    std::size_t line = 0;
    std::string name;  // <!-- snippet: NAME -->
};

struct Link {
    std::size_t line = 0;
    std::string target;  // as written, "path#anchor", "#anchor" or "https://..."
};

struct Stamp {
    std::size_t line = 0;
    std::string en;  // 8 hex digits
    std::string ko;
};

struct Doc {
    std::vector<std::string> lines;  // '\r' stripped
    std::vector<Heading> headings;
    std::vector<CodeBlock> blocks;
    std::vector<Marker> markers;
    std::vector<Link> links;
    std::vector<Stamp> stamps;            // well-formed stamp lines, outside fenced code
    std::vector<std::size_t> bad_stamps;  // lines that start like a stamp but are not one
};

Doc parse_doc(std::string_view text);

// The text GitHub renders for a heading line ("## A `b` [c](d.md) ##" -> "A b c").
std::string heading_text(std::string_view line);
// GitHub's slug of a heading's text, before duplicates are numbered.
std::string slug(std::string_view text);
// Whether GitHub's slug removes this code point (not a letter, digit, mark or '_').
bool is_removed_code_point(char32_t c);
// Every anchor of a doc, in order, duplicates numbered as GitHub numbers them.
std::vector<std::string> anchors_of(const Doc& doc);
// "%ED%95%9C" -> the bytes they stand for; anything else is kept.
std::string percent_decode(std::string_view text);

// --- Pairs and sections -----------------------------------------------------------------------

// README.md and docs/X.md (not deeper); their Korean paths: README.ko.md, docs/ko/X.md.
bool is_english_doc(std::string_view path);
bool is_korean_doc(std::string_view path);  // README.ko.md, docs/ko/X.md
std::string korean_path_of(std::string_view english);
std::string english_path_of(std::string_view korean);
// Korean docs that have no English doc by design.
bool is_korean_only(std::string_view path);

// "a/b/../c.md" -> "a/c.md"; a path that climbs above the root keeps its leading "..".
std::string normalize_path(std::string_view path);
// The path of `target` (a link written in the doc at `from`), without its "#anchor".
std::string resolve_link(std::string_view from, std::string_view target);
// The relative link from the doc at `from` to the file at `to`.
std::string relative_link(std::string_view from, std::string_view to);

// 32-bit FNV-1a of `text` as 8 lowercase hex digits.
std::string short_hash(std::string_view text);
// Section i of a doc: [first, last) line indexes (0-based); section 0 starts at line 0.
struct Section {
    std::size_t first = 0;
    std::size_t last = 0;
    std::optional<std::size_t> heading;  // index into Doc::headings
};
std::vector<Section> sections_of(const Doc& doc);
// The normalised text a section's hash covers (see the header comment).
std::string section_text(const Doc& doc, const Section& section);
std::string stamp_line(std::string_view en, std::string_view ko);

// --- Checks -----------------------------------------------------------------------------------

// The drift check. `root` only appears in the advice of the messages.
Report check_translations(const Tree& tree, std::string_view root = ".");
// Every Korean doc that has an English doc with the same heading levels, with its stamps
// refreshed (misplaced stamps removed); only docs whose text changes are returned.
Tree stamp_tree(const Tree& tree);
// Section links of every .md outside tests/.
Report check_anchors(const Tree& tree);

std::string format_problem(const Problem& problem);  // "path:line: message" or "path: message"

// Every .md under `root`, the SVGs under docs/figures/ and docs/figures/ko/, and the label
// table, skipping directories whose name starts with '.' and the top-level build and out.
// Throws std::runtime_error when `root` or a file is unreadable.
Tree read_tree(const std::filesystem::path& root);

// The whole program (see the header comment); `args` without the program name.
int run(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace iocp::translations
