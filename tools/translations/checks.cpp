// tools/translations/checks.cpp: the drift check of the Korean docs against the English ones,
// the sync stamps, and the section links of every doc (translations.h has the rules).
//
// Usage: see translations.h; `translations [--stamp|--anchors] [ROOT]` runs these.
#include "translations.h"

#include "doctext.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

namespace iocp::translations {

namespace {

using doctext::in_quotes;

constexpr std::size_t readme_lines = 5;

struct Checker {
    const Tree& tree;
    std::string root;
    std::vector<Problem> problems;

    void add(std::string_view path, std::size_t line, std::string message) {
        problems.push_back(Problem{std::string(path), line, std::move(message)});
    }

    std::string restamp() const { return "run 'translations --stamp " + root + "'"; }
};

std::string at(std::string_view path, std::size_t line) {
    return std::string(path) + ":" + std::to_string(line);
}

std::string heading_mark(const Heading& heading) {
    return std::string(static_cast<std::size_t>(heading.level), '#') + " " + heading.text;
}

bool is_external(std::string_view target) {
    const std::size_t colon = target.find(':');
    return colon != std::string_view::npos &&
           target.substr(0, colon).find_first_of("/#") == std::string_view::npos;
}

// Where the English and Korean lists first differ, or nullopt when they are equal.
template <class T, class Same>
std::optional<std::size_t> first_difference(const std::vector<T>& en, const std::vector<T>& ko,
                                            Same same) {
    const std::size_t common = std::min(en.size(), ko.size());
    for (std::size_t i = 0; i < common; ++i) {
        if (!same(en[i], ko[i])) {
            return i;
        }
    }
    if (en.size() != ko.size()) {
        return common;
    }
    return std::nullopt;
}

// The figure a link shows: "NAME.svg" under docs/figures/ (english) or docs/figures/ko/.
std::optional<std::string> figure_name(std::string_view resolved, std::string_view folder) {
    if (!resolved.starts_with(folder) || !resolved.ends_with(".svg")) {
        return std::nullopt;
    }
    const std::string_view name = resolved.substr(folder.size());
    if (name.find('/') != std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(name);
}

struct Figure {
    std::size_t line = 0;
    std::string name;
};

std::vector<Figure> english_figures(std::string_view path, const Doc& doc) {
    std::vector<Figure> figures;
    for (const Link& link : doc.links) {
        if (is_external(link.target)) {
            continue;
        }
        if (auto name = figure_name(resolve_link(path, link.target), "docs/figures/")) {
            figures.push_back(Figure{link.line, std::move(*name)});
        }
    }
    return figures;
}

bool heading_levels_agree(const Doc& en, const Doc& ko) {
    return std::equal(en.headings.begin(), en.headings.end(), ko.headings.begin(),
                      ko.headings.end(),
                      [](const Heading& a, const Heading& b) { return a.level == b.level; });
}

void check_headings(Checker& c, std::string_view en_path, const Doc& en, std::string_view ko_path,
                    const Doc& ko) {
    const auto i = first_difference(
        en.headings, ko.headings, [](const auto& a, const auto& b) { return a.level == b.level; });
    if (!i) {
        return;
    }
    const std::string count = std::to_string(ko.headings.size()) + " headings, " +
                              std::string(en_path) + " has " + std::to_string(en.headings.size());
    const std::string after =
        "; the headings must agree in number, order and level (sections "
        "are compared only then)";
    if (*i >= ko.headings.size()) {
        const Heading& missing = en.headings[*i];
        c.add(ko_path, 0,
              "has " + count + ": English heading " + std::to_string(*i + 1) + " " +
                  in_quotes(heading_mark(missing)) + " (" + at(en_path, missing.line) +
                  ") has no Korean heading" + after);
    } else if (*i >= en.headings.size()) {
        c.add(ko_path, ko.headings[*i].line,
              "Korean heading " + std::to_string(*i + 1) +
                  " has no English heading: the Korean "
                  "has " +
                  count + after);
    } else {
        const Heading& expected = en.headings[*i];
        c.add(ko_path, ko.headings[*i].line,
              "Korean heading " + std::to_string(*i + 1) + " is level " +
                  std::to_string(ko.headings[*i].level) + ", English heading " +
                  std::to_string(*i + 1) + " " + in_quotes(heading_mark(expected)) + " (" +
                  at(en_path, expected.line) + ") is level " + std::to_string(expected.level) +
                  after);
    }
}

void check_code(Checker& c, std::string_view en_path, const Doc& en, std::string_view ko_path,
                const Doc& ko) {
    const std::size_t common = std::min(en.blocks.size(), ko.blocks.size());
    const bool same_count = en.blocks.size() == ko.blocks.size();
    for (std::size_t i = 0; i < common; ++i) {
        const CodeBlock& a = en.blocks[i];
        const CodeBlock& b = ko.blocks[i];
        if (a.lines == b.lines) {
            continue;
        }
        const auto mismatch =
            std::mismatch(a.lines.begin(), a.lines.end(), b.lines.begin(), b.lines.end());
        const auto offset = static_cast<std::size_t>(mismatch.second - b.lines.begin());
        c.add(ko_path, b.line,
              "code block " + std::to_string(i + 1) + " differs from the English one (" +
                  at(en_path, a.line) + "), first at line " + std::to_string(b.line + offset) +
                  ": fenced code stays byte for byte as in the English");
        if (!same_count) {
            break;  // after a missing or extra block every pair would differ
        }
    }
    if (!same_count) {
        c.add(ko_path, 0,
              "has " + std::to_string(ko.blocks.size()) + " fenced code blocks, " +
                  std::string(en_path) + " has " + std::to_string(en.blocks.size()));
    }
}

void check_markers(Checker& c, std::string_view en_path, const Doc& en, std::string_view ko_path,
                   const Doc& ko) {
    const auto i = first_difference(en.markers, ko.markers,
                                    [](const auto& a, const auto& b) { return a.name == b.name; });
    if (!i) {
        return;
    }
    const std::string english = *i < en.markers.size() ? "'" + en.markers[*i].name + "' (" +
                                                             at(en_path, en.markers[*i].line) + ")"
                                                       : "none";
    const std::string korean = *i < ko.markers.size() ? "'" + ko.markers[*i].name + "'" : "none";
    c.add(ko_path, *i < ko.markers.size() ? ko.markers[*i].line : 0,
          "snippet marker " + std::to_string(*i + 1) + " is " + korean + ", the English's is " +
              english + ": the markers must name the same regions in the same order");
}

void check_figures_shown(Checker& c, std::string_view en_path, const Doc& en,
                         std::string_view ko_path, const Doc& ko) {
    const std::vector<Figure> expected = english_figures(en_path, en);
    std::vector<Figure> shown;
    for (const Link& link : ko.links) {
        if (is_external(link.target)) {
            continue;
        }
        const std::string resolved = resolve_link(ko_path, link.target);
        if (auto name = figure_name(resolved, "docs/figures/ko/")) {
            shown.push_back(Figure{link.line, std::move(*name)});
        } else if (auto english = figure_name(resolved, "docs/figures/")) {
            c.add(ko_path, link.line,
                  "shows the English figure " + in_quotes(link.target) + ": show " +
                      in_quotes(relative_link(ko_path, "docs/figures/ko/" + *english)));
        }
    }
    const auto i = first_difference(expected, shown,
                                    [](const auto& a, const auto& b) { return a.name == b.name; });
    if (!i) {
        return;
    }
    const std::string english =
        *i < expected.size() ? expected[*i].name + " (" + at(en_path, expected[*i].line) + ")"
                             : "none";
    const std::string korean = *i < shown.size() ? "ko/" + shown[*i].name : "none";
    c.add(ko_path, *i < shown.size() ? shown[*i].line : 0,
          "figure " + std::to_string(*i + 1) + " is " + korean + ", the English's is " + english +
              ": the Korean shows docs/figures/ko/NAME.svg where the English shows "
              "docs/figures/NAME.svg, in the same order");
}

void check_links(Checker& c, std::string_view en_path, std::string_view ko_path, const Doc& ko) {
    for (const Link& link : ko.links) {
        if (is_external(link.target) || link.target.starts_with('#')) {
            continue;
        }
        const std::string resolved = resolve_link(ko_path, link.target);
        if (resolved == en_path || !is_english_doc(resolved)) {
            continue;  // its own English doc is the way to the other language
        }
        const std::string korean = korean_path_of(resolved);
        if (c.tree.contains(korean)) {
            c.add(ko_path, link.line,
                  "links to the English " + resolved + ": link to its Korean version " +
                      in_quotes(relative_link(ko_path, korean)));
        }
    }
}

void check_sync(Checker& c, std::string_view en_path, const Doc& en, std::string_view ko_path,
                const Doc& ko) {
    const std::vector<Section> en_sections = sections_of(en);
    const std::vector<Section> ko_sections = sections_of(ko);
    if (ko.stamps.empty() && ko.bad_stamps.empty()) {
        c.add(ko_path, 1,
              "no sync stamps: each section carries one on the line after its heading; once "
              "every section says what the English (" +
                  std::string(en_path) + ") says, " + c.restamp());
        return;
    }
    const std::set<std::size_t> bad(ko.bad_stamps.begin(), ko.bad_stamps.end());
    for (const std::size_t line : ko.bad_stamps) {
        c.add(ko_path, line,
              "malformed sync stamp (expected '" + stamp_line("XXXXXXXX", "YYYYYYYY") + "'); " +
                  c.restamp() + " to rewrite it");
    }
    std::map<std::size_t, const Stamp*> by_line;
    for (const Stamp& stamp : ko.stamps) {
        by_line.emplace(stamp.line, &stamp);
    }
    std::set<std::size_t> expected_lines;
    for (std::size_t i = 0; i < ko_sections.size(); ++i) {
        const Section& ks = ko_sections[i];
        const Section& es = en_sections[i];
        const std::size_t heading_line = ks.heading ? ko.headings[*ks.heading].line : 0;
        const std::size_t stamp_at = heading_line + 1;
        expected_lines.insert(stamp_at);
        const std::string name =
            "section " + std::to_string(i + 1) + " " +
            (es.heading ? in_quotes(heading_mark(en.headings[*es.heading])) + " (" +
                              at(en_path, en.headings[*es.heading].line) + ")"
                        : "(" + std::string(en_path) + ")");
        const auto found = by_line.find(stamp_at);
        const std::size_t line = std::max<std::size_t>(heading_line, 1);
        if (found == by_line.end() && bad.contains(stamp_at)) {
            continue;  // reported as malformed
        }
        if (found == by_line.end()) {
            c.add(ko_path, line,
                  name +
                      " has no sync stamp on the line after its heading; once it says what the "
                      "English says, " +
                      c.restamp());
            continue;
        }
        const bool en_changed = found->second->en != short_hash(section_text(en, es));
        const bool ko_changed = found->second->ko != short_hash(section_text(ko, ks));
        if (en_changed && ko_changed) {
            c.add(ko_path, line,
                  name +
                      ": both the English and the Korean section changed since they were "
                      "stamped; make them say the same, then " +
                      c.restamp());
        } else if (en_changed) {
            c.add(ko_path, line,
                  name +
                      ": the English section changed since this Korean section was stamped; "
                      "update the Korean to match, then " +
                      c.restamp());
        } else if (ko_changed) {
            c.add(ko_path, line,
                  name +
                      ": the Korean section changed since it was stamped, the English did "
                      "not; make the same change in the English if it needs it, then " +
                      c.restamp());
        }
    }
    for (const Stamp& stamp : ko.stamps) {
        if (!expected_lines.contains(stamp.line)) {
            c.add(ko_path, stamp.line,
                  "misplaced sync stamp: a stamp goes on the line right after its heading; " +
                      c.restamp() + " to move it");
        }
    }
}

void compare(Checker& c, std::string_view en_path, std::string_view ko_path) {
    const Doc en = parse_doc(c.tree.at(std::string(en_path)));
    const Doc ko = parse_doc(c.tree.at(std::string(ko_path)));
    check_headings(c, en_path, en, ko_path, ko);
    check_code(c, en_path, en, ko_path, ko);
    check_markers(c, en_path, en, ko_path, ko);
    check_figures_shown(c, en_path, en, ko_path, ko);
    check_links(c, en_path, ko_path, ko);
    if (heading_levels_agree(en, ko)) {
        check_sync(c, en_path, en, ko_path, ko);
    }
}

void check_readme_link(Checker& c, std::string_view from, std::string_view to) {
    const auto doc = c.tree.find(std::string(from));
    if (doc == c.tree.end()) {
        return;
    }
    for (const Link& link : parse_doc(doc->second).links) {
        if (link.line <= readme_lines && !is_external(link.target) &&
            resolve_link(from, link.target) == to) {
            return;
        }
    }
    c.add(from, 1,
          "the first " + std::to_string(readme_lines) + " lines must link " + std::string(to) +
              " (the other language's README)");
}

void sort_problems(std::vector<Problem>& problems) {
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
        return std::tie(a.path, a.line) < std::tie(b.path, b.line);
    });
}

}  // namespace

Report check_translations(const Tree& tree, std::string_view root) {
    Checker c{tree, std::string(root), {}};
    Report report;
    for (const auto& [path, contents] : tree) {
        if (is_english_doc(path)) {
            const std::string korean = korean_path_of(path);
            if (!tree.contains(korean)) {
                c.add(path, 0, "no Korean version: translate it as " + korean);
                continue;
            }
            compare(c, path, korean);
            ++report.checked;
        } else if (is_korean_doc(path) && !is_korean_only(path) &&
                   !tree.contains(english_path_of(path))) {
            c.add(path, 0,
                  "no English doc " + english_path_of(path) +
                      ": a Korean doc translates one (only docs/ko/glossary.md stands alone)");
        }
    }
    check_readme_link(c, "README.md", "README.ko.md");
    check_readme_link(c, "README.ko.md", "README.md");
    sort_problems(c.problems);
    report.problems = std::move(c.problems);
    return report;
}

Tree stamp_tree(const Tree& tree) {
    Tree changed;
    for (const auto& [path, contents] : tree) {
        if (!is_korean_doc(path) || is_korean_only(path)) {
            continue;
        }
        const auto english = tree.find(english_path_of(path));
        if (english == tree.end()) {
            continue;
        }
        const Doc en = parse_doc(english->second);
        const Doc ko = parse_doc(contents);
        if (!heading_levels_agree(en, ko)) {
            continue;
        }
        const std::vector<Section> en_sections = sections_of(en);
        const std::vector<Section> ko_sections = sections_of(ko);
        std::map<std::size_t, std::string> stamps;  // line after which a stamp goes (0: top)
        for (std::size_t i = 0; i < ko_sections.size(); ++i) {
            const std::size_t after =
                ko_sections[i].heading ? ko.headings[*ko_sections[i].heading].line : 0;
            stamps[after] = stamp_line(short_hash(section_text(en, en_sections[i])),
                                       short_hash(section_text(ko, ko_sections[i])));
        }
        std::set<std::size_t> old;
        for (const Stamp& stamp : ko.stamps) {
            old.insert(stamp.line);
        }
        old.insert(ko.bad_stamps.begin(), ko.bad_stamps.end());

        const std::vector<doctext::Line> lines = doctext::lines_of(contents);
        std::string result;
        if (const auto top = stamps.find(0); top != stamps.end()) {
            result += top->second + "\n";
        }
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const std::size_t number = i + 1;
            if (old.contains(number)) {
                continue;
            }
            result.append(contents, lines[i].begin, lines[i].end - lines[i].begin);
            if (const auto stamp = stamps.find(number); stamp != stamps.end()) {
                if (result.empty() || result.back() != '\n') {
                    result.push_back('\n');
                }
                result += stamp->second + "\n";
            }
        }
        if (result != contents) {
            changed.emplace(path, std::move(result));
        }
    }
    return changed;
}

Report check_anchors(const Tree& tree) {
    Report report;
    std::map<std::string, std::vector<std::string>> anchors;  // by doc, parsed once
    const auto anchors_in = [&](const std::string& path) -> const std::vector<std::string>& {
        auto found = anchors.find(path);
        if (found == anchors.end()) {
            found = anchors.emplace(path, anchors_of(parse_doc(tree.at(path)))).first;
        }
        return found->second;
    };
    for (const auto& [path, contents] : tree) {
        if (!path.ends_with(".md") || path.starts_with("tests/")) {
            continue;
        }
        ++report.checked;
        for (const Link& link : parse_doc(contents).links) {
            const std::size_t hash = link.target.find('#');
            if (is_external(link.target) || hash == std::string::npos ||
                hash + 1 == link.target.size()) {
                continue;
            }
            const std::string target = resolve_link(path, link.target);
            if (!target.ends_with(".md") || !tree.contains(target)) {
                continue;  // not a doc, or missing: docs.links reports that
            }
            const std::string anchor = percent_decode(link.target.substr(hash + 1));
            const std::vector<std::string>& known = anchors_in(target);
            if (std::find(known.begin(), known.end(), anchor) == known.end()) {
                report.problems.push_back(
                    Problem{path, link.line,
                            "link to " + in_quotes(link.target) + ": no heading of " + target +
                                " has the anchor " + in_quotes("#" + anchor)});
            }
        }
    }
    sort_problems(report.problems);
    return report;
}

}  // namespace iocp::translations
