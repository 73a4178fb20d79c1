// tools/snippets/snippets.cpp: the snippet checker's parsing, checking and fixing (snippets.h).
//
// Usage: see snippets.h; `snippets [--fix] [ROOT]` is run() over read_tree(ROOT).
#include "snippets.h"

#include "doctext.h"

#include <algorithm>
#include <exception>
#include <iterator>
#include <optional>
#include <ostream>
#include <set>
#include <tuple>
#include <utility>

namespace iocp::snippets {

namespace {

namespace fs = std::filesystem;

using doctext::closes;
using doctext::Fence;
using doctext::fence_opening;
using doctext::from_utf8;
using doctext::in_quotes;
using doctext::Line;
using doctext::lines_of;
using doctext::snippet_marker;
using doctext::trim;
using doctext::write_file;

constexpr std::string_view usage_text =
    "usage: snippets [--fix] [ROOT]\n"
    "Checks that each Markdown snippet block under ROOT (default \".\") equals the source\n"
    "region it names, and that every region is included somewhere.\n"
    "  --fix       rewrite differing blocks from their regions\n"
    "  -h, --help  print this help and exit\n"
    "Exit status: 0 all match, 1 problems found, 2 bad usage or unreadable files.\n";

struct StartMarker {
    CommentStyle style = CommentStyle::slashes;
    std::string_view name;
};

// What check_tree() and fix_tree() both need.
struct Analysis {
    Report report;
    std::map<std::string, Region> regions;  // the usable regions, by name
    std::vector<DocBlock> differing;        // in path and line order
};

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string location(std::string_view path, std::size_t line) {
    return std::string(path) + ":" + std::to_string(line);
}

Problem make_problem(ProblemKind kind, std::string_view path, std::size_t line,
                     std::string_view region, std::string message) {
    return Problem{kind, std::string(path), line, std::string(region), std::move(message)};
}

// "// [snippet:NAME]" or "# [snippet:NAME]", already trimmed; the name is not yet validated.
std::optional<StartMarker> start_marker(std::string_view trimmed) {
    constexpr std::string_view slashes = "// [snippet:";
    constexpr std::string_view hash = "# [snippet:";
    StartMarker marker;
    std::string_view rest;
    if (trimmed.starts_with(slashes)) {
        marker.style = CommentStyle::slashes;
        rest = trimmed.substr(slashes.size());
    } else if (trimmed.starts_with(hash)) {
        marker.style = CommentStyle::hash;
        rest = trimmed.substr(hash.size());
    } else {
        return std::nullopt;
    }
    if (!rest.ends_with(']')) {
        return std::nullopt;
    }
    rest.remove_suffix(1);
    marker.name = rest;
    return marker;
}

bool is_end_marker(std::string_view trimmed) {
    return trimmed == "// [/snippet]" || trimmed == "# [/snippet]";
}

std::vector<std::string> dedent(const std::vector<std::string_view>& body) {
    std::optional<std::string_view> common;
    for (const std::string_view line : body) {
        if (trim(line).empty()) {
            continue;
        }
        const std::string_view indent = line.substr(0, line.find_first_not_of(" \t"));
        if (!common) {
            common = indent;
            continue;
        }
        const auto mismatch =
            std::mismatch(common->begin(), common->end(), indent.begin(), indent.end());
        common = common->substr(0, static_cast<std::size_t>(mismatch.first - common->begin()));
    }
    const std::size_t strip = common ? common->size() : 0;
    std::vector<std::string> lines;
    lines.reserve(body.size());
    for (const std::string_view line : body) {
        lines.emplace_back(trim(line).empty() ? std::string_view{} : line.substr(strip));
    }
    return lines;
}

bool problem_less(const Problem& a, const Problem& b) {
    return std::tie(a.path, a.line, a.kind, a.message) <
           std::tie(b.path, b.line, b.kind, b.message);
}

Analysis analyze(const Tree& tree) {
    Analysis analysis;
    std::vector<Problem>& problems = analysis.report.problems;
    std::vector<Region> all_regions;
    std::vector<DocBlock> blocks;
    std::set<std::string> included;
    for (const auto& [path, text] : tree) {
        if (is_source_path(path)) {
            ParsedSource parsed = parse_regions(path, text);
            std::move(parsed.regions.begin(), parsed.regions.end(),
                      std::back_inserter(all_regions));
            std::move(parsed.problems.begin(), parsed.problems.end(), std::back_inserter(problems));
        } else if (is_doc_path(path)) {
            ParsedDoc parsed = parse_doc_blocks(path, text);
            std::move(parsed.blocks.begin(), parsed.blocks.end(), std::back_inserter(blocks));
            std::move(parsed.problems.begin(), parsed.problems.end(), std::back_inserter(problems));
            included.insert(parsed.names.begin(), parsed.names.end());
        }
    }

    // A region with a malformed marker or a duplicate name is reported once, as that: blocks
    // that include it are neither compared nor fixed, nor is it reported missing or unused.
    std::set<std::string> broken;
    for (const Problem& problem : problems) {
        if (!problem.region.empty()) {
            broken.insert(problem.region);
        }
    }
    for (Region& region : all_regions) {
        const auto first = analysis.regions.find(region.name);
        if (first == analysis.regions.end()) {
            const std::string name = region.name;
            analysis.regions.emplace(name, std::move(region));
            continue;
        }
        problems.push_back(
            make_problem(ProblemKind::malformed, region.path, region.line, region.name,
                         "duplicate region " + in_quotes(region.name) + " (first defined at " +
                             location(first->second.path, first->second.line) + ")"));
        broken.insert(region.name);
    }

    for (DocBlock& block : blocks) {
        if (broken.contains(block.name)) {
            continue;
        }
        const auto region = analysis.regions.find(block.name);
        if (region == analysis.regions.end()) {
            problems.push_back(
                make_problem(ProblemKind::missing_region, block.path, block.line, block.name,
                             "missing region " + in_quotes(block.name) + ": no source defines it"));
            continue;
        }
        const std::vector<std::string> expected = render_block(region->second);
        if (expected == block.lines) {
            continue;
        }
        const auto mismatch =
            std::mismatch(expected.begin(), expected.end(), block.lines.begin(), block.lines.end());
        const auto index = static_cast<std::size_t>(mismatch.second - block.lines.begin());
        problems.push_back(
            make_problem(ProblemKind::differing, block.path, block.line, block.name,
                         "block differs from region " + in_quotes(block.name) + " (" +
                             location(region->second.path, region->second.line) +
                             "), first at line " + std::to_string(block.line + 1 + index)));
        analysis.differing.push_back(std::move(block));
    }

    for (const auto& [name, region] : analysis.regions) {
        if (!included.contains(name) && !broken.contains(name)) {
            problems.push_back(
                make_problem(ProblemKind::unused_region, region.path, region.line, name,
                             "unused region " + in_quotes(name) + ": no doc block includes it"));
        }
    }
    for (const std::string& name : broken) {
        analysis.regions.erase(name);
    }

    analysis.report.regions = analysis.regions.size();
    analysis.report.blocks = blocks.size();
    std::sort(problems.begin(), problems.end(), problem_less);
    return analysis;
}

void print_problems(const Report& report, std::ostream& out) {
    for (const Problem& problem : report.problems) {
        out << format_problem(problem) << '\n';
    }
}

}  // namespace

bool is_valid_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

std::string_view language_of(std::string_view path) {
    if (ends_with(path, ".cpp") || ends_with(path, ".h") || ends_with(path, ".hpp") ||
        ends_with(path, ".cc") || ends_with(path, ".c")) {
        return "cpp";
    }
    if (ends_with(path, ".cmake") || path == "CMakeLists.txt" ||
        ends_with(path, "/CMakeLists.txt")) {
        return "cmake";
    }
    if (ends_with(path, ".sh")) {
        return "bash";
    }
    return {};
}

bool is_source_path(std::string_view path) {
    return !language_of(path).empty();
}

bool is_doc_path(std::string_view path) {
    return ends_with(path, ".md");
}

ParsedSource parse_regions(std::string_view path, std::string_view text) {
    struct Open {
        std::string name;
        std::size_t line = 0;
        CommentStyle style = CommentStyle::slashes;
        std::vector<std::string_view> body;
    };
    ParsedSource parsed;
    std::optional<Open> open;
    std::size_t number = 0;
    for (const Line& line : lines_of(text)) {
        ++number;
        const std::string_view trimmed = trim(line.text);
        if (const std::optional<StartMarker> start = start_marker(trimmed)) {
            if (!is_valid_name(start->name)) {
                parsed.problems.push_back(make_problem(ProblemKind::malformed, path, number, "",
                                                       "invalid region name " +
                                                           in_quotes(start->name) +
                                                           " (allowed: A-Z a-z 0-9 _ . -)"));
            } else {
                if (open) {
                    parsed.problems.push_back(
                        make_problem(ProblemKind::malformed, path, number, open->name,
                                     "region " + in_quotes(start->name) + " starts inside region " +
                                         in_quotes(open->name) + " (line " +
                                         std::to_string(open->line) + "); regions do not nest"));
                }
                open = Open{std::string(start->name), number, start->style, {}};
                continue;
            }
        } else if (is_end_marker(trimmed)) {
            if (open) {
                parsed.regions.push_back(Region{open->name, std::string(path), open->line,
                                                open->style, dedent(open->body)});
                open.reset();
            } else {
                parsed.problems.push_back(make_problem(ProblemKind::malformed, path, number, "",
                                                       "end marker without a start marker"));
            }
            continue;
        }
        if (open) {
            open->body.push_back(line.text);
        }
    }
    if (open) {
        parsed.problems.push_back(
            make_problem(ProblemKind::malformed, path, open->line, open->name,
                         "unterminated region " + in_quotes(open->name) + ": no end marker"));
    }
    return parsed;
}

ParsedDoc parse_doc_blocks(std::string_view path, std::string_view text) {
    ParsedDoc parsed;
    const std::vector<Line> lines = lines_of(text);
    std::optional<Fence> fence;  // an ordinary fenced block we are inside
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view trimmed = trim(lines[i].text);
        if (fence) {
            if (closes(trimmed, *fence)) {
                fence.reset();
            }
            continue;
        }
        fence = fence_opening(trimmed);
        if (fence) {
            continue;
        }
        const std::optional<std::string_view> name = snippet_marker(trimmed);
        if (!name) {
            continue;
        }
        const std::size_t number = i + 1;
        if (!is_valid_name(*name)) {
            parsed.problems.push_back(
                make_problem(ProblemKind::malformed, path, number, "",
                             "invalid region name " + in_quotes(*name) + " in snippet marker"));
            continue;
        }
        parsed.names.emplace_back(*name);
        const std::optional<Fence> opening =
            i + 1 < lines.size() ? fence_opening(trim(lines[i + 1].text)) : std::nullopt;
        if (!opening || opening->mark != '`') {
            parsed.problems.push_back(
                make_problem(ProblemKind::malformed, path, number, "",
                             "snippet marker for " + in_quotes(*name) +
                                 " is not followed by a fence opening (```) on the next line"));
            continue;
        }
        std::size_t close = i + 2;
        while (close < lines.size() && !closes(trim(lines[close].text), *opening)) {
            ++close;
        }
        if (close == lines.size()) {
            parsed.problems.push_back(make_problem(ProblemKind::malformed, path, number, "",
                                                   "unterminated fence in the snippet block for " +
                                                       in_quotes(*name) + " (opened at line " +
                                                       std::to_string(number + 1) + ")"));
            break;
        }
        DocBlock block{std::string(*name), std::string(path), number, {},
                       lines[i + 1].begin, lines[close].end};
        for (std::size_t j = i + 1; j <= close; ++j) {
            block.lines.emplace_back(lines[j].text);
        }
        parsed.blocks.push_back(std::move(block));
        i = close;
    }
    return parsed;
}

std::vector<std::string> render_block(const Region& region) {
    std::vector<std::string> lines;
    lines.reserve(region.body.size() + 3);
    lines.push_back("```" + std::string(language_of(region.path)));
    lines.push_back((region.style == CommentStyle::slashes ? "// " : "# ") + region.path);
    lines.insert(lines.end(), region.body.begin(), region.body.end());
    lines.emplace_back("```");
    return lines;
}

Report check_tree(const Tree& tree) {
    return analyze(tree).report;
}

FixResult fix_tree(const Tree& tree) {
    const Analysis analysis = analyze(tree);
    FixResult result;
    std::map<std::string, std::vector<const DocBlock*>> by_doc;
    for (const DocBlock& block : analysis.differing) {
        by_doc[block.path].push_back(&block);
    }
    for (const auto& [path, blocks] : by_doc) {
        const std::string& text = tree.at(path);
        std::string fixed;
        std::size_t pos = 0;
        for (const DocBlock* block : blocks) {
            fixed.append(text, pos, block->begin - pos);
            const std::vector<std::string> lines = render_block(analysis.regions.at(block->name));
            for (std::size_t i = 0; i < lines.size(); ++i) {
                fixed += lines[i];
                // The closing fence keeps the doc's final newline, or its lack of one.
                if (i + 1 < lines.size() || text[block->end - 1] == '\n') {
                    fixed += '\n';
                }
            }
            pos = block->end;
            result.fixes.push_back(Fix{block->path, block->line, block->name});
        }
        fixed.append(text, pos);
        result.changed.emplace(path, std::move(fixed));
    }
    return result;
}

std::string format_problem(const Problem& problem) {
    return location(problem.path, problem.line) + ": " + problem.message;
}

std::string summary_line(const Report& report, std::string_view root) {
    if (report.problems.empty()) {
        return "snippets: " + std::to_string(report.regions) + " regions, " +
               std::to_string(report.blocks) + " doc blocks, all match";
    }
    std::string line = "snippets: " + std::to_string(report.problems.size()) + " problem(s)";
    const bool fixable =
        std::any_of(report.problems.begin(), report.problems.end(),
                    [](const Problem& p) { return p.kind == ProblemKind::differing; });
    if (fixable) {
        line += "; run 'snippets --fix " + std::string(root) + "' to rewrite differing blocks";
    }
    return line;
}

Tree read_tree(const fs::path& root) {
    return doctext::read_tree(root, [](std::string_view relative) {
        return is_source_path(relative) || is_doc_path(relative);
    });
}

int run(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
    bool fix = false;
    bool options_done = false;
    std::optional<std::string> root;
    for (const std::string& arg : args) {
        if (!options_done && arg == "--") {
            options_done = true;
        } else if (!options_done && (arg == "--help" || arg == "-h")) {
            out << usage_text;
            return 0;
        } else if (!options_done && arg == "--fix") {
            fix = true;
        } else if (!options_done && arg.size() > 1 && arg.front() == '-') {
            err << "snippets: unknown option '" << arg << "'\n" << usage_text;
            return 2;
        } else if (root) {
            err << "snippets: unexpected argument '" << arg << "' (only one ROOT)\n" << usage_text;
            return 2;
        } else {
            root = arg;
        }
    }
    const std::string root_text = root.value_or(".");
    const fs::path root_path(root_text);

    if (const std::optional<std::string> problem = doctext::directory_problem(root_path)) {
        err << "snippets: cannot read ROOT '" << root_text << "': " << *problem << '\n';
        return 2;
    }
    try {
        Tree tree = read_tree(root_path);
        if (fix) {
            FixResult fixed = fix_tree(tree);
            for (auto& [path, text] : fixed.changed) {
                write_file(root_path / from_utf8(path), text);
                tree[path] = std::move(text);
            }
            for (const Fix& done : fixed.fixes) {
                out << "fixed " << location(done.path, done.line) << " (region " << done.region
                    << ")\n";
            }
        }
        const Report report = check_tree(tree);
        print_problems(report, out);
        out << summary_line(report, root_text) << '\n';
        return report.problems.empty() ? 0 : 1;
    } catch (const std::exception& e) {
        err << "snippets: " << e.what() << '\n';
        return 2;
    }
}

}  // namespace iocp::snippets
