// tools/translations/ko_figures.cpp: the Korean figures, made from the English ones and the label
// table (ko_figures.h has the rules).
//
// Usage: `translations --figures [--fix] [ROOT]`.
#include "ko_figures.h"

#include "doctext.h"
#include "iocp/xml.h"
#include "text.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

namespace iocp::translations {

namespace {

using doctext::in_quotes;
using doctext::trim;

constexpr std::string_view english_folder = "docs/figures/";
constexpr std::string_view korean_folder = "docs/figures/ko/";

bool is_translated_element(std::string_view name) {
    return name == "text" || name == "tspan" || name == "title";
}

// A run of character data directly inside an element: [begin, end) of the SVG.
struct Run {
    std::size_t begin = 0;
    std::size_t end = 0;
};

// The runs of character data whose innermost open element is <text>, <tspan> or <title>.
std::vector<Run> translatable_runs(std::string_view svg) {
    std::vector<Run> runs;
    std::vector<std::string_view> open;
    std::size_t pos = 0;
    const auto skip_past = [&](std::string_view terminator) {
        const std::size_t found = svg.find(terminator, pos);
        pos = found == std::string_view::npos ? svg.size() : found + terminator.size();
    };
    while (pos < svg.size()) {
        if (svg[pos] != '<') {
            const std::size_t end = std::min(svg.find('<', pos), svg.size());
            if (!open.empty() && is_translated_element(open.back())) {
                runs.push_back(Run{pos, end});
            }
            pos = end;
            continue;
        }
        const std::string_view rest = svg.substr(pos);
        if (rest.starts_with("<!--")) {
            skip_past("-->");
        } else if (rest.starts_with("<?")) {
            skip_past("?>");
        } else if (rest.starts_with("<![CDATA[")) {
            skip_past("]]>");
        } else if (rest.starts_with("<!")) {
            skip_past(">");
        } else if (rest.starts_with("</")) {
            if (!open.empty()) {
                open.pop_back();
            }
            skip_past(">");
        } else {
            const std::size_t name_end =
                std::min(svg.find_first_of(" \t\r\n/>", pos + 1), svg.size());
            const std::string_view name = svg.substr(pos + 1, name_end - pos - 1);
            // The tag ends at the first '>' outside a quoted attribute value.
            char quote = 0;
            std::size_t i = name_end;
            for (; i < svg.size(); ++i) {
                if (quote != 0) {
                    quote = svg[i] == quote ? 0 : quote;
                } else if (svg[i] == '"' || svg[i] == '\'') {
                    quote = svg[i];
                } else if (svg[i] == '>') {
                    break;
                }
            }
            if (i == svg.size() || svg[i - 1] != '/') {
                open.push_back(name);
            }
            pos = std::min(i + 1, svg.size());
        }
    }
    return runs;
}

std::size_t line_at(std::string_view svg, std::size_t offset) {
    return static_cast<std::size_t>(
               std::count(svg.begin(), svg.begin() + static_cast<std::ptrdiff_t>(offset), '\n')) +
           1;
}

// The code point of an entity body ("amp", "#38", "#x26"), if it is one.
std::optional<char32_t> entity(std::string_view name) {
    if (name == "amp") {
        return U'&';
    }
    if (name == "lt") {
        return U'<';
    }
    if (name == "gt") {
        return U'>';
    }
    if (name == "quot") {
        return U'"';
    }
    if (name == "apos") {
        return U'\'';
    }
    if (name.size() < 2 || name[0] != '#') {
        return std::nullopt;
    }
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 6) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    for (const char c : digits) {
        int digit = -1;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        }
        if (digit < 0) {
            return std::nullopt;
        }
        value = value * (hex ? 16U : 10U) + static_cast<std::uint32_t>(digit);
    }
    return static_cast<char32_t>(value);
}

bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}

bool is_letter(char c) {
    return is_lower(c) || (c >= 'A' && c <= 'Z');
}

std::string generated_comment(std::string_view source_name) {
    return "<!-- Generated from ../" + std::string(source_name) +
           " and docs/ko/figure_labels.tsv by the translations tool (figures, fix): edit those, "
           "not this file. -->\n";
}

}  // namespace

LabelTable parse_label_table(std::string_view table) {
    LabelTable result;
    std::size_t number = 0;
    for (const doctext::Line& line : doctext::lines_of(table)) {
        ++number;
        // A row always has a tab, so a label may start with '#' ("#2 from sock1").
        if (trim(line.text).empty() ||
            (line.text.starts_with('#') && line.text.find('\t') == std::string_view::npos)) {
            continue;
        }
        std::vector<std::string_view> fields;
        std::size_t pos = 0;
        for (std::size_t tab = 0; (tab = line.text.find('\t', pos)) != std::string_view::npos;
             pos = tab + 1) {
            fields.push_back(line.text.substr(pos, tab - pos));
        }
        fields.push_back(line.text.substr(pos));
        const bool scoped = fields.size() == 3 && fields[0].ends_with(".svg") &&
                            fields[0].find('/') == std::string_view::npos;
        if (fields.size() != 2 && !scoped) {
            result.problems.push_back(
                Problem{std::string(label_table_path), number,
                        "a row is 'English<TAB>Korean' or 'FIGURE.svg<TAB>English<TAB>Korean'"});
            continue;
        }
        LabelRow row{scoped ? std::string(fields[0]) : std::string{},
                     display_text(fields[fields.size() - 2]), std::string(trim(fields.back())),
                     number};
        if (row.english.empty() || row.korean.empty()) {
            result.problems.push_back(Problem{std::string(label_table_path), number,
                                              "a row needs both an English and a Korean text"});
            continue;
        }
        const std::pair<std::string, std::string> key{row.figure, row.english};
        if (const auto first = result.rows.find(key); first != result.rows.end()) {
            result.problems.push_back(Problem{std::string(label_table_path), number,
                                              "duplicate row for " + in_quotes(row.english) +
                                                  (row.figure.empty() ? "" : " in " + row.figure) +
                                                  " (first at line " +
                                                  std::to_string(first->second.line) + ")"});
            continue;
        }
        result.rows.emplace(key, std::move(row));
    }
    return result;
}

std::map<std::string, std::string> LabelTable::labels_for(std::string_view figure) const {
    std::map<std::string, std::string> labels;
    for (const auto& [key, row] : rows) {
        if (row.figure.empty()) {
            labels.emplace(row.english, row.korean);
        }
    }
    for (const auto& [key, row] : rows) {
        if (row.figure == figure) {
            labels[row.english] = row.korean;
        }
    }
    return labels;
}

std::string display_text(std::string_view raw) {
    std::string decoded;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '&') {
            const std::size_t semicolon = raw.find(';', i);
            if (semicolon != std::string_view::npos && semicolon - i <= 10) {
                if (const auto c = entity(raw.substr(i + 1, semicolon - i - 1))) {
                    text::append_utf8(decoded, *c);
                    i = semicolon;
                    continue;
                }
            }
        }
        decoded.push_back(raw[i]);
    }
    std::string result;
    bool space = false;
    for (const char c : decoded) {
        if (doctext::whitespace.find(c) != std::string_view::npos) {
            space = !result.empty();
        } else {
            if (space) {
                result.push_back(' ');
                space = false;
            }
            result.push_back(c);
        }
    }
    return result;
}

bool has_english_word(std::string_view text) {
    constexpr std::string_view leading = "([{\"'*";
    constexpr std::string_view trailing = ")]}\"',.:;!?*";
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t start = text.find_first_not_of(' ', pos);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = std::min(text.find(' ', start), text.size());
        std::string_view token = text.substr(start, end - start);
        pos = end;
        while (!token.empty() && leading.find(token.front()) != std::string_view::npos) {
            token.remove_prefix(1);
        }
        while (!token.empty() && trailing.find(token.back()) != std::string_view::npos) {
            token.remove_suffix(1);
        }
        if (token.size() >= 2 && is_letter(token[0]) &&
            std::all_of(token.begin() + 1, token.end(), is_lower)) {
            return true;
        }
    }
    return false;
}

std::vector<SvgText> svg_texts(std::string_view svg) {
    std::vector<SvgText> texts;
    for (const Run& run : translatable_runs(svg)) {
        std::string shown = display_text(svg.substr(run.begin, run.end - run.begin));
        if (!shown.empty()) {
            const std::size_t first = svg.find_first_not_of(doctext::whitespace, run.begin);
            texts.push_back(SvgText{line_at(svg, first), std::move(shown)});
        }
    }
    return texts;
}

TranslatedSvg translate_svg(std::string_view svg, const std::map<std::string, std::string>& labels,
                            std::string_view source_name) {
    TranslatedSvg result;
    std::size_t copied = 0;
    // The generated comment goes after the XML declaration, if any, else first.
    if (svg.starts_with("<?xml")) {
        const std::size_t end = svg.find("?>");
        const std::size_t line_end = end == std::string_view::npos ? end : svg.find('\n', end);
        copied = line_end == std::string_view::npos ? svg.size() : line_end + 1;
        result.svg.append(svg.substr(0, copied));
    }
    result.svg += generated_comment(source_name);
    for (const Run& run : translatable_runs(svg)) {
        const std::string_view raw = svg.substr(run.begin, run.end - run.begin);
        const std::string shown = display_text(raw);
        if (shown.empty()) {
            continue;
        }
        const auto label = labels.find(shown);
        if (label == labels.end()) {
            if (has_english_word(shown)) {
                const std::size_t first = svg.find_first_not_of(doctext::whitespace, run.begin);
                result.untranslated.push_back(SvgText{line_at(svg, first), shown});
            }
            continue;
        }
        result.used.insert(shown);
        if (label->second == shown) {
            continue;  // kept in English
        }
        const std::size_t lead = raw.find_first_not_of(doctext::whitespace);
        const std::size_t tail = raw.find_last_not_of(doctext::whitespace) + 1;
        result.svg.append(svg.substr(copied, run.begin + lead - copied));
        result.svg += iocp::xml_escape(label->second);
        copied = run.begin + tail;
    }
    result.svg.append(svg.substr(copied));
    return result;
}

bool is_english_figure(std::string_view path) {
    return path.starts_with(english_folder) && path.ends_with(".svg") &&
           path.find('/', english_folder.size()) == std::string_view::npos;
}

bool is_korean_figure(std::string_view path) {
    return path.starts_with(korean_folder) && path.ends_with(".svg") &&
           path.find('/', korean_folder.size()) == std::string_view::npos;
}

std::string korean_figure_of(std::string_view english) {
    return std::string(korean_folder) + std::string(english.substr(english_folder.size()));
}

FigureResult check_figures(const Tree& tree) {
    FigureResult result;
    std::vector<Problem>& problems = result.report.problems;
    LabelTable table;
    if (const auto found = tree.find(std::string(label_table_path)); found != tree.end()) {
        table = parse_label_table(found->second);
    } else {
        problems.push_back(Problem{std::string(label_table_path), 0,
                                   "missing: the Korean text of each figure label"});
    }
    std::set<std::pair<std::string, std::string>> used;  // rows, by figure (or "") and English
    for (const auto& [path, svg] : tree) {
        if (!is_english_figure(path)) {
            continue;
        }
        ++result.report.checked;
        const std::string name = path.substr(english_folder.size());
        TranslatedSvg translated = translate_svg(svg, table.labels_for(name), name);
        for (const std::string& english : translated.used) {
            used.insert(table.rows.contains({name, english}) ? std::pair{name, english}
                                                             : std::pair{std::string{}, english});
        }
        for (const SvgText& text : translated.untranslated) {
            const std::string message = "text " + in_quotes(text.text) +
                                        " has English words and no row in " +
                                        std::string(label_table_path) +
                                        ": add 'TEXT<TAB>Korean' (or 'TEXT<TAB>TEXT' to keep it "
                                        "English)";
            problems.push_back(Problem{path, text.line, message});
        }
        const std::string korean = korean_figure_of(path);
        const auto current = tree.find(korean);
        if (current == tree.end()) {
            problems.push_back(Problem{korean, 0, "missing: the Korean figure of " + path});
        } else if (current->second != translated.svg) {
            const std::vector<std::string> have = doctext::split_lines(current->second);
            const std::vector<std::string> want = doctext::split_lines(translated.svg);
            const auto mismatch = std::mismatch(have.begin(), have.end(), want.begin(), want.end());
            problems.push_back(Problem{
                korean, static_cast<std::size_t>(mismatch.first - have.begin()) + 1,
                "stale: not what " + path + " and " + std::string(label_table_path) + " make"});
        }
        result.expected.emplace(korean, std::move(translated.svg));
    }
    for (const auto& [path, svg] : tree) {
        if (is_korean_figure(path) && !result.expected.contains(path)) {
            problems.push_back(Problem{path, 0,
                                       "no English figure " + std::string(english_folder) +
                                           path.substr(korean_folder.size()) + ": remove it"});
        }
    }
    for (const auto& [key, row] : table.rows) {
        if (!used.contains(key)) {
            problems.push_back(
                Problem{std::string(label_table_path), row.line,
                        "row " + in_quotes(row.english) + " is used by " +
                            (row.figure.empty() ? "no figure" : "no text of " + row.figure) +
                            ": remove it"});
        }
    }
    problems.insert(problems.end(), table.problems.begin(), table.problems.end());
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
        return a.path != b.path ? a.path < b.path : a.line < b.line;
    });
    return result;
}

}  // namespace iocp::translations
