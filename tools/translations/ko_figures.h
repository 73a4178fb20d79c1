// tools/translations/ko_figures.h: the Korean figures, docs/figures/ko/NAME.svg, made from the
// English docs/figures/NAME.svg and the label table docs/ko/figure_labels.tsv.
//
// Usage: `translations --figures [ROOT]` checks (CTest docs.figures_ko), and
// `translations --figures --fix [ROOT]` rewrites docs/figures/ko. After an English figure
// changes (by hand, or `ch03_simulate figures --write docs/figures` for ch03's), add or update
// the rows of the table, then run the fix and commit both.
//
// The table: one row per line, "English<TAB>Korean"; a line that starts with '#' and has no tab
// is a comment, blank lines are skipped. English is a text as displayed (entities decoded, runs of
// whitespace as one space); a row whose Korean equals its English keeps the text English (API names
// split over lines, code names). A row "NAME.svg<TAB>English<TAB>Korean" applies to that figure
// only and wins over the row for every figure (a word that is a code name in one figure and a word
// in another). Every row must be used, and each English text has one row per scope.
//
// The translation replaces the character data of <text>, <tspan> and <title> elements whose
// text is in the table, keeping the whitespace around it, and adds a comment saying the file is
// generated; nothing else changes, so the Korean figure keeps the English one's layout.
// A text needs a row when it has an English word: a whitespace-separated token that, with the
// punctuation around it removed, is two or more ASCII letters, all lowercase but perhaps the
// first ("the", "Queue"; not "OVERLAPPED", "GetQueued", "sock1", "close_locked", "start()").
#pragma once

#include "translations.h"

#include <map>
#include <set>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace iocp::translations {

inline constexpr std::string_view label_table_path = "docs/ko/figure_labels.tsv";

struct LabelRow {
    std::string figure;  // "NAME.svg" for a row of one figure, empty for every figure
    std::string english;
    std::string korean;
    std::size_t line = 0;  // in the table
};

struct LabelTable {
    std::map<std::pair<std::string, std::string>, LabelRow> rows;  // by figure and English
    std::vector<Problem> problems;                                 // malformed or duplicates

    // English -> Korean for one figure: its own rows over the rows for every figure.
    std::map<std::string, std::string> labels_for(std::string_view figure) const;
};
LabelTable parse_label_table(std::string_view text);

// Entities decoded (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;), whitespace runs as one space,
// trimmed.
std::string display_text(std::string_view raw);
bool has_english_word(std::string_view text);

struct SvgText {
    std::size_t line = 0;
    std::string text;  // display_text() of the run
};
// The character data of every <text>, <tspan> and <title>, in order, empty runs left out.
std::vector<SvgText> svg_texts(std::string_view svg);

struct TranslatedSvg {
    std::string svg;
    std::vector<SvgText> untranslated;  // texts with English words and no row
    std::set<std::string> used;         // the rows it used
};
// `source_name` is the English figure's file name, named in the generated comment.
TranslatedSvg translate_svg(std::string_view svg, const std::map<std::string, std::string>& labels,
                            std::string_view source_name);

// English figure path -> Korean ("docs/figures/a.svg" -> "docs/figures/ko/a.svg"); is_* say
// whether a path is one of them (directly in the folder, .svg).
bool is_english_figure(std::string_view path);
bool is_korean_figure(std::string_view path);
std::string korean_figure_of(std::string_view english);

struct FigureResult {
    Report report;  // checked = English figures
    Tree expected;  // every Korean figure as it should be
};
// Missing, stale and orphaned Korean figures, texts without a row, unused and malformed rows.
FigureResult check_figures(const Tree& tree);

}  // namespace iocp::translations
