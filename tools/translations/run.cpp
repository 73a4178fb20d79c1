// tools/translations/run.cpp: the `translations` program's command line and its files: reads the
// tree, runs one check (or the stamping, or the figures' fix) and prints the problems.
//
// Usage: see translations.h; `translations --help` prints it.
#include "ko_figures.h"
#include "translations.h"

#include "doctext.h"

#include <exception>
#include <optional>
#include <ostream>

namespace iocp::translations {

namespace {

namespace fs = std::filesystem;

using doctext::from_utf8;
using doctext::write_file;

constexpr std::string_view usage_text =
    "usage: translations [--stamp] [ROOT]\n"
    "       translations --anchors [ROOT]\n"
    "       translations --figures [--fix] [ROOT]\n"
    "Checks the Korean translation under ROOT (default \".\"): each Korean doc against its\n"
    "English doc (headings, code blocks, snippet markers, figures, links, section sync).\n"
    "  --stamp    after bringing both versions of a section into agreement: refresh the sync\n"
    "             stamps of every Korean doc (<!-- sync: en=... ko=... -->), then check\n"
    "  --anchors  check that every link to a section (file.md#anchor) names a heading\n"
    "  --figures  check docs/figures/ko/*.svg against docs/figures/*.svg and\n"
    "             docs/ko/figure_labels.tsv; with --fix, regenerate them\n"
    "  -h, --help print this help and exit\n"
    "Exit status: 0 no problem, 1 problems found, 2 bad usage or unreadable files.\n";

bool wanted(std::string_view path) {
    return path.ends_with(".md") || path == label_table_path || is_english_figure(path) ||
           is_korean_figure(path);
}

void print(const Report& report, std::ostream& out) {
    for (const Problem& problem : report.problems) {
        out << format_problem(problem) << '\n';
    }
}

struct Options {
    bool stamp = false;
    bool anchors = false;
    bool figures = false;
    bool fix = false;
    std::optional<std::string> root;
};

int check_docs(const Tree& tree, const std::string& root, std::ostream& out) {
    const Report report = check_translations(tree, root);
    print(report, out);
    if (report.problems.empty()) {
        out << "translations: " << report.checked
            << " Korean docs agree with their English docs, every section in sync\n";
        return 0;
    }
    out << "translations: " << report.problems.size() << " problem(s) in " << report.checked
        << " Korean docs compared; after making both versions of a section "
        << "say the same, run 'translations --stamp " << root
        << "' (the program is in build/<preset>/bin)\n";
    return 1;
}

int check_anchor_links(const Tree& tree, std::ostream& out) {
    const Report report = check_anchors(tree);
    print(report, out);
    if (report.problems.empty()) {
        out << "anchors: " << report.checked << " docs, every section link names a heading\n";
        return 0;
    }
    out << "anchors: " << report.problems.size() << " problem(s)\n";
    return 1;
}

int figures(const Tree& tree, const fs::path& root_path, const std::string& root, bool fix,
            std::ostream& out) {
    FigureResult result = check_figures(tree);
    if (fix) {
        for (const auto& [path, svg] : result.expected) {
            const auto current = tree.find(path);
            if (current == tree.end() || current->second != svg) {
                write_file(root_path / from_utf8(path), svg);
                out << "written " << path << '\n';
            }
        }
        Tree updated = tree;
        for (auto& [path, svg] : result.expected) {
            updated[path] = std::move(svg);
        }
        result = check_figures(updated);
    }
    print(result.report, out);
    if (result.report.problems.empty()) {
        out << "figures: " << result.report.checked << " Korean figures current\n";
        return 0;
    }
    out << "figures: " << result.report.problems.size() << " problem(s); after editing "
        << label_table_path << ", run 'translations --figures --fix " << root
        << "' to regenerate docs/figures/ko\n";
    return 1;
}

}  // namespace

Tree read_tree(const fs::path& root) {
    return doctext::read_tree(root, wanted);
}

int run(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
    Options options;
    bool options_done = false;
    for (const std::string& arg : args) {
        if (!options_done && arg == "--") {
            options_done = true;
        } else if (!options_done && (arg == "--help" || arg == "-h")) {
            out << usage_text;
            return 0;
        } else if (!options_done && arg == "--stamp") {
            options.stamp = true;
        } else if (!options_done && arg == "--anchors") {
            options.anchors = true;
        } else if (!options_done && arg == "--figures") {
            options.figures = true;
        } else if (!options_done && arg == "--fix") {
            options.fix = true;
        } else if (!options_done && arg.size() > 1 && arg.front() == '-') {
            err << "translations: unknown option '" << arg << "'\n" << usage_text;
            return 2;
        } else if (options.root) {
            err << "translations: unexpected argument '" << arg << "' (only one ROOT)\n"
                << usage_text;
            return 2;
        } else {
            options.root = arg;
        }
    }
    if (static_cast<int>(options.stamp) + static_cast<int>(options.anchors) +
                static_cast<int>(options.figures) >
            1 ||
        (options.fix && !options.figures)) {
        err << "translations: --stamp, --anchors and --figures go alone; --fix goes with "
               "--figures\n"
            << usage_text;
        return 2;
    }
    const std::string root = options.root.value_or(".");
    const fs::path root_path = from_utf8(root);
    if (const std::optional<std::string> problem = doctext::directory_problem(root_path)) {
        err << "translations: cannot read ROOT '" << root << "': " << *problem << '\n';
        return 2;
    }
    try {
        Tree tree = read_tree(root_path);
        if (options.anchors) {
            return check_anchor_links(tree, out);
        }
        if (options.figures) {
            return figures(tree, root_path, root, options.fix, out);
        }
        if (options.stamp) {
            for (auto& [path, contents] : stamp_tree(tree)) {
                write_file(root_path / from_utf8(path), contents);
                out << "stamped " << path << '\n';
                tree[path] = std::move(contents);
            }
        }
        return check_docs(tree, root, out);
    } catch (const std::exception& e) {
        err << "translations: " << e.what() << '\n';
        return 2;
    }
}

}  // namespace iocp::translations
