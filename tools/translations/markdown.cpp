// tools/translations/markdown.cpp: what the translations tool reads in a Markdown doc (headings,
// fenced code, snippet markers, links, sync stamps), GitHub's heading slugs, paths and hashes.
//
// Usage: see translations.h; `translations [--stamp|--anchors] [ROOT]` uses these.
#include "text.h"
#include "translations.h"

#include "doctext.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

namespace iocp::translations {

namespace {

using doctext::closes;
using doctext::comment_body;
using doctext::Fence;
using doctext::fence_opening;
using doctext::snippet_marker;
using doctext::trim;

bool is_hash(std::string_view text) {
    return text.size() == 8 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// A line that trims to "<!--" then "sync" is a stamp line; `stamp` is set when it is well formed.
bool stamp_like(std::string_view trimmed, std::optional<Stamp>& stamp) {
    if (!trimmed.starts_with("<!--") || !trim(trimmed.substr(4)).starts_with("sync")) {
        return false;
    }
    std::optional<std::string_view> inner = comment_body(trimmed);
    constexpr std::string_view prefix = "sync: en=";
    constexpr std::string_view middle = " ko=";
    if (inner && inner->size() == prefix.size() + 8 + middle.size() + 8 &&
        inner->starts_with(prefix) && inner->substr(prefix.size() + 8, middle.size()) == middle) {
        const std::string_view en = inner->substr(prefix.size(), 8);
        const std::string_view ko = inner->substr(prefix.size() + 8 + middle.size());
        if (is_hash(en) && is_hash(ko)) {
            stamp = Stamp{0, std::string(en), std::string(ko)};
        }
    }
    return true;
}

// The heading's level, 1-6, or 0 when the line is not an ATX heading.
int heading_level(std::string_view line) {
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos || indent > 3) {
        return 0;
    }
    const std::string_view rest = line.substr(indent);
    const std::size_t hashes = std::min(rest.find_first_not_of('#'), rest.size());
    if (hashes == 0 || hashes > 6) {
        return 0;
    }
    if (hashes < rest.size() && rest[hashes] != ' ' && rest[hashes] != '\t') {
        return 0;
    }
    return static_cast<int>(hashes);
}

// The line with its inline code spans removed (an unmatched backtick run stays).
std::string without_code_spans(std::string_view line) {
    std::string result;
    std::size_t pos = 0;
    while (pos < line.size()) {
        if (line[pos] != '`') {
            result.push_back(line[pos++]);
            continue;
        }
        const std::size_t run = std::min(line.find_first_not_of('`', pos), line.size()) - pos;
        std::size_t search = pos + run;
        std::size_t close = std::string_view::npos;
        while (search < line.size()) {
            const std::size_t start = line.find('`', search);
            if (start == std::string_view::npos) {
                break;
            }
            const std::size_t length =
                std::min(line.find_first_not_of('`', start), line.size()) - start;
            if (length == run) {
                close = start;
                break;
            }
            search = start + length;
        }
        if (close == std::string_view::npos) {
            result.append(line.substr(pos, run));
            pos += run;
        } else {
            pos = close + run;
        }
    }
    return result;
}

// Link targets "](target)" of a line, as docs.links reads them: no spaces in the target.
std::vector<std::string> link_targets(std::string_view line) {
    std::vector<std::string> targets;
    const std::string plain = without_code_spans(line);
    std::size_t pos = 0;
    while ((pos = plain.find("](", pos)) != std::string::npos) {
        const std::size_t start = pos + 2;
        const std::size_t end = plain.find_first_of(") ", start);
        if (end != std::string::npos && plain[end] == ')' && end > start) {
            targets.push_back(plain.substr(start, end - start));
        }
        pos = start;
    }
    return targets;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const std::size_t slash = std::min(path.find('/', pos), path.size());
        parts.emplace_back(path.substr(pos, slash - pos));
        pos = slash + 1;
    }
    return parts;
}

std::string directory_of(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string{} : std::string(path.substr(0, slash));
}

bool in_range(char32_t c, char32_t first, char32_t last) {
    return c >= first && c <= last;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

Doc parse_doc(std::string_view text) {
    Doc doc;
    doc.lines = doctext::split_lines(text);
    std::optional<Fence> fence;
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
        const std::string& line = doc.lines[i];
        const std::size_t number = i + 1;
        const std::string_view trimmed = trim(line);
        if (fence) {
            doc.blocks.back().lines.push_back(line);
            if (closes(trimmed, *fence)) {
                fence.reset();
            }
            continue;
        }
        if ((fence = fence_opening(trimmed))) {
            doc.blocks.push_back(CodeBlock{number, {line}});
            continue;
        }
        if (const int level = heading_level(line); level > 0) {
            doc.headings.push_back(Heading{number, level, heading_text(line)});
        }
        if (const std::optional<std::string_view> name = snippet_marker(trimmed)) {
            doc.markers.push_back(Marker{number, std::string(*name)});
        }
        std::optional<Stamp> stamp;
        if (stamp_like(trimmed, stamp)) {
            if (stamp) {
                stamp->line = number;
                doc.stamps.push_back(std::move(*stamp));
            } else {
                doc.bad_stamps.push_back(number);
            }
            continue;
        }
        for (std::string& target : link_targets(line)) {
            doc.links.push_back(Link{number, std::move(target)});
        }
    }
    return doc;
}

std::string heading_text(std::string_view line) {
    std::string_view rest = trim(line);
    rest.remove_prefix(std::min(rest.find_first_not_of('#'), rest.size()));
    rest = trim(rest);
    // An optional closing sequence of '#', after a space.
    const std::string_view unhashed = text::trim_right(rest, "#");
    if (unhashed.size() < rest.size() &&
        (unhashed.empty() || unhashed.back() == ' ' || unhashed.back() == '\t')) {
        rest = trim(unhashed);
    }
    std::string result;
    std::size_t pos = 0;
    while (pos < rest.size()) {
        const char c = rest[pos];
        if (c == '\\' && pos + 1 < rest.size() &&
            std::string_view("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~").find(rest[pos + 1]) !=
                std::string_view::npos) {
            result.push_back(rest[pos + 1]);
            pos += 2;
        } else if (c == '`') {
            const std::size_t run = std::min(rest.find_first_not_of('`', pos), rest.size()) - pos;
            const std::string fence(run, '`');
            const std::size_t close = rest.find(fence, pos + run);
            if (close == std::string_view::npos) {
                result.append(fence);
                pos += run;
            } else {
                result.append(trim(rest.substr(pos + run, close - pos - run)));
                pos = close + run;
            }
        } else if (c == '[' || (c == '!' && pos + 1 < rest.size() && rest[pos + 1] == '[')) {
            // [text](target) and ![alt](target) render as their text.
            const std::size_t open = c == '!' ? pos + 1 : pos;
            const std::size_t middle = rest.find("](", open);
            const std::size_t close =
                middle == std::string_view::npos ? middle : rest.find(')', middle);
            if (close == std::string_view::npos) {
                result.push_back(c);
                ++pos;
            } else {
                result.append(
                    heading_text("# " + std::string(rest.substr(open + 1, middle - open - 1))));
                pos = close + 1;
            }
        } else {
            result.push_back(c);
            ++pos;
        }
    }
    return result;
}

bool is_removed_code_point(char32_t c) {
    if (c < 0x80) {
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == ' ');
    }
    if (in_range(c, 0x80, 0xBF)) {  // Latin-1 punctuation, symbols and spaces (and "·")
        return c != 0xAA && c != 0xB5 && c != 0xBA;
    }
    return c == 0xD7 || c == 0xF7 ||
           in_range(c, 0x2000, 0x206F) ||  // general punctuation: — – … ‘ ’ “ ” • spaces
           in_range(c, 0x20A0, 0x20CF) ||  // currency
           in_range(c, 0x2190, 0x23FF) ||  // arrows, mathematical operators, technical
           in_range(c, 0x2500, 0x2775) ||  // box drawing, shapes, symbols, dingbats
           in_range(c, 0x2794, 0x2BFF) ||  // more arrows and symbols
           in_range(c, 0x2E00, 0x2E7F) ||  // supplemental punctuation
           in_range(c, 0x3000, 0x3004) ||  // CJK symbols and punctuation: 、。 and the space
           in_range(c, 0x3008, 0x3020) ||  // 〈〉《》「」『』【】〜
           c == 0x3030 || in_range(c, 0x303D, 0x303F) ||
           in_range(c, 0xE000, 0xF8FF) ||  // private use
           in_range(c, 0xFE10, 0xFE1F) || in_range(c, 0xFE30, 0xFE32) ||
           in_range(c, 0xFE35, 0xFE4C) || in_range(c, 0xFE50, 0xFE6F) ||
           in_range(c, 0xFF01, 0xFF0F) ||  // fullwidth punctuation
           in_range(c, 0xFF1A, 0xFF20) || in_range(c, 0xFF3B, 0xFF3E) || c == 0xFF40 ||
           in_range(c, 0xFF5B, 0xFF65) || in_range(c, 0xFFF0, 0xFFFF) ||
           in_range(c, 0x1F000, 0x1FAFF);  // emoji and pictographs
}

std::string slug(std::string_view heading) {
    std::string result;
    std::size_t pos = 0;
    while (pos < heading.size()) {
        const std::size_t start = pos;
        const char32_t c = text::next_code_point(heading, pos);
        if (is_removed_code_point(c)) {
            continue;
        }
        if (c == ' ') {
            result.push_back('-');
        } else if (c >= 'A' && c <= 'Z') {
            result.push_back(static_cast<char>(c - 'A' + 'a'));
        } else {
            result.append(heading.substr(start, pos - start));
        }
    }
    return result;
}

std::vector<std::string> anchors_of(const Doc& doc) {
    // github-slugger: a slug already taken gets "-N", N counting up per original slug.
    std::map<std::string, std::size_t> occurrences;
    std::vector<std::string> anchors;
    for (const Heading& heading : doc.headings) {
        const std::string original = slug(heading.text);
        std::string result = original;
        while (occurrences.contains(result)) {
            result = original + "-" + std::to_string(++occurrences[original]);
        }
        occurrences[result] = 0;
        anchors.push_back(std::move(result));
    }
    return anchors;
}

bool is_english_doc(std::string_view path) {
    if (path == "README.md") {
        return true;
    }
    return path.starts_with("docs/") && path.ends_with(".md") &&
           path.find('/', 5) == std::string_view::npos;
}

bool is_korean_doc(std::string_view path) {
    if (path == "README.ko.md") {
        return true;
    }
    return path.starts_with("docs/ko/") && path.ends_with(".md") &&
           path.find('/', 8) == std::string_view::npos;
}

std::string korean_path_of(std::string_view english) {
    if (english == "README.md") {
        return "README.ko.md";
    }
    return "docs/ko/" + std::string(english.substr(5));
}

std::string english_path_of(std::string_view korean) {
    if (korean == "README.ko.md") {
        return "README.md";
    }
    return "docs/" + std::string(korean.substr(8));
}

bool is_korean_only(std::string_view path) {
    return path == "docs/ko/glossary.md";
}

std::string normalize_path(std::string_view path) {
    std::vector<std::string> kept;
    for (std::string& part : split_path(path)) {
        if (part.empty() || part == ".") {
            continue;
        }
        if (part == ".." && !kept.empty() && kept.back() != "..") {
            kept.pop_back();
        } else {
            kept.push_back(std::move(part));
        }
    }
    std::string result;
    for (const std::string& part : kept) {
        result += (result.empty() ? "" : "/") + part;
    }
    return result;
}

std::string resolve_link(std::string_view from, std::string_view target) {
    const std::string_view file = target.substr(0, target.find('#'));
    if (file.empty()) {
        return std::string(from);
    }
    const std::string dir = directory_of(from);
    return normalize_path(dir.empty() ? std::string(file) : dir + "/" + std::string(file));
}

std::string relative_link(std::string_view from, std::string_view to) {
    const std::vector<std::string> base = split_path(normalize_path(directory_of(from)));
    const std::vector<std::string> target = split_path(normalize_path(to));
    std::size_t common = 0;
    const std::size_t base_size = base.size() == 1 && base[0].empty() ? 0 : base.size();
    while (common < base_size && common + 1 < target.size() && base[common] == target[common]) {
        ++common;
    }
    std::string result;
    for (std::size_t i = common; i < base_size; ++i) {
        result += "../";
    }
    for (std::size_t i = common; i < target.size(); ++i) {
        result += target[i] + (i + 1 < target.size() ? "/" : "");
    }
    return result;
}

std::string short_hash(std::string_view data) {
    std::uint32_t hash = 2166136261U;
    for (const char c : data) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619U;
    }
    constexpr std::string_view digits = "0123456789abcdef";
    std::string result(8, '0');
    for (std::size_t i = 0; i < 8; ++i) {
        result[7 - i] = digits[(hash >> (4 * i)) & 0xFU];
    }
    return result;
}

std::vector<Section> sections_of(const Doc& doc) {
    std::vector<Section> sections;
    if (doc.headings.empty()) {
        sections.push_back(Section{0, doc.lines.size(), std::nullopt});
        return sections;
    }
    for (std::size_t i = 0; i < doc.headings.size(); ++i) {
        const std::size_t first = i == 0 ? 0 : doc.headings[i].line - 1;
        const std::size_t last =
            i + 1 < doc.headings.size() ? doc.headings[i + 1].line - 1 : doc.lines.size();
        sections.push_back(Section{first, last, i});
    }
    return sections;
}

std::string section_text(const Doc& doc, const Section& section) {
    std::vector<bool> stamp(doc.lines.size() + 1, false);
    for (const Stamp& s : doc.stamps) {
        stamp[s.line] = true;
    }
    for (const std::size_t line : doc.bad_stamps) {
        stamp[line] = true;
    }
    std::vector<std::string_view> lines;
    for (std::size_t i = section.first; i < section.last && i < doc.lines.size(); ++i) {
        if (!stamp[i + 1]) {
            lines.push_back(text::trim_right(doc.lines[i], " \t\r"));
        }
    }
    while (!lines.empty() && lines.back().empty()) {
        lines.pop_back();
    }
    std::string result;
    for (const std::string_view line : lines) {
        result.append(line);
        result.push_back('\n');
    }
    return result;
}

std::string stamp_line(std::string_view en, std::string_view ko) {
    return "<!-- sync: en=" + std::string(en) + " ko=" + std::string(ko) + " -->";
}

std::string percent_decode(std::string_view text) {
    std::string result;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
            hex_value(text[i + 2]) >= 0) {
            result.push_back(
                static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
        } else {
            result.push_back(text[i]);
        }
    }
    return result;
}

std::string format_problem(const Problem& problem) {
    if (problem.line == 0) {
        return problem.path + ": " + problem.message;
    }
    return problem.path + ":" + std::to_string(problem.line) + ": " + problem.message;
}

}  // namespace iocp::translations
