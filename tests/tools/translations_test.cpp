// tests/tools/translations_test.cpp: the Korean translation's checker (tools/translations):
// every rule of the drift check, the sync stamps, GitHub's slugs and the Korean figures.
//
// Run: ctest -R docs.Translations (or build/<preset>/bin/translations_tests). Fixtures are
// built in memory or in a temporary directory, never committed: the repository's own checks
// (docs.links, snippets) would read them as docs.
#include "doctext.h"
#include "ko_figures.h"
#include "tools_testing.h"
#include "translations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace tr = iocp::translations;

using Lines = std::vector<std::string>;
using iocp::tools_testing::text;

// "path:line: message" of each problem.
Lines formatted(const tr::Report& report) {
    Lines result;
    for (const tr::Problem& problem : report.problems) {
        result.push_back(tr::format_problem(problem));
    }
    return result;
}

// "path:line" of each problem, to compare where the problems are in one assertion.
Lines places(const tr::Report& report) {
    Lines result;
    for (const tr::Problem& problem : report.problems) {
        result.push_back(problem.path + ":" + std::to_string(problem.line));
    }
    return result;
}

bool mentions(const tr::Report& report, std::string_view place, std::string_view words) {
    return std::any_of(report.problems.begin(), report.problems.end(), [&](const auto& p) {
        return tr::format_problem(p).starts_with(std::string(place) + ": ") &&
               p.message.find(words) != std::string::npos;
    });
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) {
        text.replace(at, from.size(), to);
    }
    return text;
}

// A small complete tree: two English docs, their Korean versions (not stamped yet), the
// glossary, a figure and its label table.
std::string readme_en() {
    return text({"# Tool", "[한국어](README.ko.md)", "", "Intro.", "", "## Use", "", "Run it:", "",
                 "```sh", "./run", "```", "", "See [the steps](docs/guide.md#the-steps)."});
}

std::string readme_ko() {
    return text({"# 도구", "[English](README.md)", "", "소개.", "", "## 사용법", "", "실행:", "",
                 "```sh", "./run", "```", "", "[단계](docs/ko/guide.md#단계)를 보세요."});
}

std::string guide_en() {
    return text({"# Guide", "", "![Flow](figures/flow.svg)", "", "## The steps", "",
                 "<!-- snippet: a -->", "```cpp", "// a.cpp", "int a;", "```", "", "### Details",
                 "", "Back to [the top](../README.md) or [steps](#the-steps)."});
}

std::string guide_ko() {
    return text({"# 안내", "", "![흐름](../figures/ko/flow.svg)", "", "## 단계", "",
                 "<!-- snippet: a -->", "```cpp", "// a.cpp", "int a;", "```", "", "### 자세히", "",
                 "[처음](../../README.ko.md)이나 [단계](#단계)로."});
}

std::string flow_svg() {
    return text({"<svg xmlns=\"http://www.w3.org/2000/svg\">", "<title>The flow</title>",
                 "<text x=\"1\">start &amp; stop</text>", "<text x=\"2\">T1</text>", "</svg>"});
}

std::string flow_svg_ko() {
    return text(
        {"<!-- Generated from ../flow.svg and docs/ko/figure_labels.tsv by the "
         "translations tool (figures, fix): edit those, not this file. -->",
         "<svg xmlns=\"http://www.w3.org/2000/svg\">", "<title>흐름</title>",
         "<text x=\"1\">시작 &amp; 정지</text>", "<text x=\"2\">T1</text>", "</svg>"});
}

std::string labels() {
    return text({"# English<TAB>Korean", "The flow\t흐름", "start & stop\t시작 & 정지"});
}

tr::Tree unstamped_tree() {
    return {{"README.md", readme_en()},
            {"README.ko.md", readme_ko()},
            {"docs/guide.md", guide_en()},
            {"docs/ko/guide.md", guide_ko()},
            {"docs/ko/glossary.md", text({"# 용어", "", "| 영어 | 한국어 |"})},
            {"docs/figures/flow.svg", flow_svg()},
            {"docs/figures/ko/flow.svg", flow_svg_ko()},
            {"docs/ko/figure_labels.tsv", labels()}};
}

// The tree with its Korean docs stamped, as a human leaves it after `translations --stamp`.
tr::Tree complete_tree() {
    tr::Tree tree = unstamped_tree();
    for (auto& [path, contents] : tr::stamp_tree(tree)) {
        tree[path] = contents;
    }
    return tree;
}

// --- Markdown and hashes ---------------------------------------------------------------------

TEST(TranslationsMarkdown, ParseSkipsFencedCode) {
    const tr::Doc doc = tr::parse_doc(
        text({"# A", "~~~", "# not a heading", "<!-- snippet: no -->", "[x](no.md)", "```", "~~~",
              "## B `c` [d](e.md) ##", "<!-- snippet: yes -->", "````md", "```", "````",
              "#no heading", "    # indented too far", "   ### three spaces"}));
    ASSERT_EQ(doc.headings.size(), 3U);
    EXPECT_EQ(doc.headings[0].text, "A");
    EXPECT_EQ(doc.headings[1].level, 2);
    EXPECT_EQ(doc.headings[1].line, 8U);
    EXPECT_EQ(doc.headings[1].text, "B c d");
    EXPECT_EQ(doc.headings[2].level, 3);
    ASSERT_EQ(doc.blocks.size(), 2U);
    EXPECT_EQ(doc.blocks[0].line, 2U);
    EXPECT_EQ(doc.blocks[0].lines.size(), 6U);
    EXPECT_EQ(doc.blocks[1].lines, (Lines{"````md", "```", "````"}));
    ASSERT_EQ(doc.markers.size(), 1U);
    EXPECT_EQ(doc.markers[0].name, "yes");
    ASSERT_EQ(doc.links.size(), 1U);
    EXPECT_EQ(doc.links[0].target, "e.md");
}

TEST(TranslationsMarkdown, LinksSkipInlineCodeAndSpaces) {
    const tr::Doc doc = tr::parse_doc(text(
        {"[a](a.md) `[b](b.md)` ``[c](c.md) ` `` [d](d.md#x) [e](e.md \"title\")", "![f](f.svg)"}));
    Lines targets;
    for (const tr::Link& link : doc.links) {
        targets.push_back(link.target);
    }
    EXPECT_EQ(targets, (Lines{"a.md", "d.md#x", "f.svg"}));
}

TEST(TranslationsMarkdown, StampsAreParsedAndMalformedOnesKept) {
    const tr::Doc doc =
        tr::parse_doc(text({"# A", "<!-- sync: en=0123abcd ko=ffff0000 -->",
                            "<!--sync: en=0123abcd-->", "  <!-- sync: en=0123ABCD ko=ffff0000 -->",
                            "```", "<!-- sync: en=0123abcd ko=ffff0000 -->", "```"}));
    ASSERT_EQ(doc.stamps.size(), 1U);
    EXPECT_EQ(doc.stamps[0].line, 2U);
    EXPECT_EQ(doc.stamps[0].en, "0123abcd");
    EXPECT_EQ(doc.stamps[0].ko, "ffff0000");
    EXPECT_EQ(doc.bad_stamps, (std::vector<std::size_t>{3, 4}));
}

TEST(TranslationsMarkdown, ShortHashIsFnv1a32) {
    EXPECT_EQ(tr::short_hash(""), "811c9dc5");
    EXPECT_EQ(tr::short_hash("a"), "e40c292c");
    EXPECT_EQ(tr::short_hash("foobar"), "bf9cf968");
}

TEST(TranslationsMarkdown, SectionsStartAtHeadingsAndTheFirstTakesThePreamble) {
    const tr::Doc doc = tr::parse_doc(text({"intro", "# A", "a", "## B", "b", "# C"}));
    const std::vector<tr::Section> sections = tr::sections_of(doc);
    ASSERT_EQ(sections.size(), 3U);
    EXPECT_EQ(sections[0].first, 0U);
    EXPECT_EQ(sections[0].last, 3U);
    EXPECT_EQ(sections[1].first, 3U);
    EXPECT_EQ(sections[2].last, 6U);
    EXPECT_EQ(tr::section_text(doc, sections[0]), "intro\n# A\na\n");
    EXPECT_EQ(tr::sections_of(tr::parse_doc("no heading\n")).size(), 1U);
}

TEST(TranslationsMarkdown, SectionTextIgnoresStampsLineEndingsAndTrailingSpace) {
    const tr::Doc plain = tr::parse_doc(text({"# A", "text", "", "more", "", ""}));
    const tr::Doc noisy = tr::parse_doc(
        text({"# A  ", "<!-- sync: en=00000000 ko=00000000 -->", "text\t", "", "more  "}, "\r\n"));
    const std::string expected = "# A\ntext\n\nmore\n";
    EXPECT_EQ(tr::section_text(plain, tr::sections_of(plain)[0]), expected);
    EXPECT_EQ(tr::section_text(noisy, tr::sections_of(noisy)[0]), expected);
}

TEST(TranslationsPaths, PairsAndLinks) {
    EXPECT_TRUE(tr::is_english_doc("README.md"));
    EXPECT_TRUE(tr::is_english_doc("docs/ch01.md"));
    EXPECT_FALSE(tr::is_english_doc("docs/ko/ch01.md"));
    EXPECT_FALSE(tr::is_english_doc("bench/results/latest.md"));
    EXPECT_FALSE(tr::is_english_doc("README.ko.md"));
    EXPECT_TRUE(tr::is_korean_doc("docs/ko/ch01.md"));
    EXPECT_TRUE(tr::is_korean_doc("README.ko.md"));
    EXPECT_EQ(tr::korean_path_of("docs/ch01.md"), "docs/ko/ch01.md");
    EXPECT_EQ(tr::english_path_of("README.ko.md"), "README.md");
    EXPECT_EQ(tr::resolve_link("docs/ko/a.md", "../../README.ko.md#x"), "README.ko.md");
    EXPECT_EQ(tr::resolve_link("docs/ko/a.md", "#x"), "docs/ko/a.md");
    EXPECT_EQ(tr::resolve_link("README.md", "./docs/../docs/a.md"), "docs/a.md");
    EXPECT_EQ(tr::relative_link("docs/ko/a.md", "docs/ko/b.md"), "b.md");
    EXPECT_EQ(tr::relative_link("docs/ko/a.md", "README.ko.md"), "../../README.ko.md");
    EXPECT_EQ(tr::relative_link("docs/ko/a.md", "docs/figures/ko/f.svg"), "../figures/ko/f.svg");
    EXPECT_EQ(tr::relative_link("README.ko.md", "docs/ko/a.md"), "docs/ko/a.md");
}

// --- GitHub's slugs ---------------------------------------------------------------------------

TEST(TranslationsSlug, FollowsGitHub) {
    EXPECT_EQ(tr::slug("Why Wine, and what differs there"), "why-wine-and-what-differs-there");
    EXPECT_EQ(tr::slug(tr::heading_text("## The session's transitions (`session.cpp`)")),
              "the-sessions-transitions-sessioncpp");
    EXPECT_EQ(tr::slug(tr::heading_text("### What the parts share: `server_core.h`, `io_calls.h`")),
              "what-the-parts-share-server_coreh-io_callsh");
    EXPECT_EQ(tr::slug("The completion port's rules (R1–R8)"), "the-completion-ports-rules-r1r8");
    EXPECT_EQ(tr::slug("A -- B"), "a----b");
    EXPECT_EQ(tr::slug("완료 포트의 규칙 (R1–R8)"), "완료-포트의-규칙-r1r8");
    EXPECT_EQ(tr::slug("쓰레드 · 큐… 「노트」 — 끝 → 다음 ★"), "쓰레드--큐-노트--끝--다음-");
    EXPECT_EQ(tr::slug(tr::heading_text("# [링크](a.md) 와 **굵게** 3.5 ×2")), "링크-와-굵게-35-2");
}

TEST(TranslationsSlug, DuplicatesAreNumbered) {
    const tr::Doc doc = tr::parse_doc(text({"# A", "## A", "### A-1", "#### A", "# B"}));
    EXPECT_EQ(tr::anchors_of(doc), (Lines{"a", "a-1", "a-1-1", "a-2", "b"}));
}

TEST(TranslationsAnchors, EveryDocOutsideTestsIsChecked) {
    tr::Tree tree = complete_tree();
    tree["docs/other.md"] =
        text({"# Other", "[ok](guide.md#details) [bad](guide.md#detail)",
              "[self](#other) [bad self](#others) [encoded](ko/guide.md#%EB%8B%A8%EA%B3%84)",
              "[file](guide.md) [web](https://example.com/a.md#x)",
              "[missing](missing.md#x) [source](../a.cpp#L1)"});
    tree["tests/fixture/a.md"] = text({"[broken](#nowhere)"});
    const tr::Report report = tr::check_anchors(tree);
    EXPECT_EQ(formatted(report),
              (Lines{"docs/other.md:2: link to 'guide.md#detail': no heading of docs/guide.md "
                     "has the anchor '#detail'",
                     "docs/other.md:3: link to '#others': no heading of docs/other.md has the "
                     "anchor '#others'"}));
    EXPECT_EQ(report.checked, 6U);
}

TEST(TranslationsAnchors, CompleteTreePasses) {
    EXPECT_EQ(formatted(tr::check_anchors(complete_tree())), Lines{});
}

// --- The drift check ---------------------------------------------------------------------------

TEST(TranslationsCheck, CompleteTreePasses) {
    const tr::Report report = tr::check_translations(complete_tree());
    EXPECT_EQ(formatted(report), Lines{});
    EXPECT_EQ(report.checked, 2U);
}

TEST(TranslationsCheck, StampsGoRightAfterEachHeading) {
    const tr::Tree tree = complete_tree();
    const Lines lines = iocp::doctext::split_lines(tree.at("docs/ko/guide.md"));
    const tr::Doc en = tr::parse_doc(guide_en());
    const tr::Doc ko = tr::parse_doc(guide_ko());
    const auto sections_en = tr::sections_of(en);
    const auto sections_ko = tr::sections_of(ko);
    ASSERT_EQ(lines.size(), 18U);
    EXPECT_EQ(lines[0], "# 안내");
    EXPECT_EQ(lines[1], tr::stamp_line(tr::short_hash(tr::section_text(en, sections_en[0])),
                                       tr::short_hash(tr::section_text(ko, sections_ko[0]))));
    EXPECT_EQ(lines[5], "## 단계");
    EXPECT_TRUE(lines[6].starts_with("<!-- sync: en="));
    EXPECT_EQ(lines[14], "### 자세히");
    EXPECT_TRUE(lines[15].starts_with("<!-- sync: en="));
    EXPECT_TRUE(tr::stamp_tree(tree).empty());  // stamping twice changes nothing
}

TEST(TranslationsCheck, MissingAndOrphanedKoreanDocs) {
    tr::Tree tree = complete_tree();
    tree.erase("docs/ko/guide.md");
    tree["docs/ko/extra.md"] = "# 추가\n";
    tree["docs/new.md"] = "# New\n";
    const tr::Report report = tr::check_translations(tree);
    EXPECT_EQ(formatted(report),
              (Lines{"docs/guide.md: no Korean version: translate it as docs/ko/guide.md",
                     "docs/ko/extra.md: no English doc docs/extra.md: a Korean doc translates one "
                     "(only docs/ko/glossary.md stands alone)",
                     "docs/new.md: no Korean version: translate it as docs/ko/new.md"}));
}

TEST(TranslationsCheck, HeadingLevelMismatch) {
    tr::Tree tree = complete_tree();
    tree["docs/ko/guide.md"] = replaced(tree["docs/ko/guide.md"], "### 자세히", "## 자세히");
    const tr::Report report = tr::check_translations(tree);
    EXPECT_EQ(formatted(report),
              (Lines{"docs/ko/guide.md:15: Korean heading 3 is level 2, English heading 3 '### "
                     "Details' (docs/guide.md:13) is level 3; the headings must agree in number, "
                     "order and level (sections are compared only then)"}));
}

TEST(TranslationsCheck, MissingAndExtraHeadings) {
    tr::Tree tree = complete_tree();
    const std::string ko = tree["docs/ko/guide.md"];
    tree["docs/ko/guide.md"] = replaced(ko, "### 자세히", "자세히");
    EXPECT_TRUE(mentions(tr::check_translations(tree), "docs/ko/guide.md",
                         "has 2 headings, docs/guide.md has 3: English heading 3 '### Details' "
                         "(docs/guide.md:13) has no Korean heading"));
    tree["docs/ko/guide.md"] = ko + "## 덤\n";
    EXPECT_TRUE(mentions(tr::check_translations(tree), "docs/ko/guide.md:19",
                         "Korean heading 4 has no English heading"));
}

TEST(TranslationsCheck, HeadingInsideCodeDoesNotCount) {
    tr::Tree tree = complete_tree();
    tree["docs/ko/guide.md"] = replaced(tree["docs/ko/guide.md"], "int a;", "# int a;");
    const tr::Report report = tr::check_translations(tree);
    EXPECT_TRUE(mentions(report, "docs/ko/guide.md:10", "code block 1 differs"));
    EXPECT_FALSE(mentions(report, "docs/ko/guide.md", "headings must agree"));
}

TEST(TranslationsCheck, CodeBlocksAreByteForByte) {
    tr::Tree tree = complete_tree();
    tree["README.ko.md"] = replaced(tree["README.ko.md"], "./run", "./run  # 실행");
    EXPECT_TRUE(mentions(tr::check_translations(tree), "README.ko.md:12",
                         "code block 1 differs from the English one (README.md:10), first at "
                         "line 13: fenced code stays byte for byte as in the English"));
}

TEST(TranslationsCheck, MissingCodeBlock) {
    tr::Tree tree = complete_tree();
    tree["README.ko.md"] = replaced(tree["README.ko.md"], "```sh\n./run\n```\n", "");
    EXPECT_TRUE(mentions(tr::check_translations(tree), "README.ko.md",
                         "has 0 fenced code blocks, README.md has 1"));
}

TEST(TranslationsCheck, SnippetMarkersMustMatch) {
    tr::Tree tree = complete_tree();
    tree["docs/ko/guide.md"] =
        replaced(tree["docs/ko/guide.md"], "<!-- snippet: a -->", "<!-- snippet: b -->");
    EXPECT_TRUE(mentions(tr::check_translations(tree), "docs/ko/guide.md:9",
                         "snippet marker 1 is 'b', the English's is 'a' (docs/guide.md:7)"));
}

TEST(TranslationsCheck, FiguresMustBeTheKoreanOnesInOrder) {
    tr::Tree tree = complete_tree();
    const std::string ko = tree["docs/ko/guide.md"];
    tree["docs/ko/guide.md"] = replaced(ko, "../figures/ko/flow.svg", "../figures/flow.svg");
    tr::Report report = tr::check_translations(tree);
    EXPECT_TRUE(mentions(report, "docs/ko/guide.md:4",
                         "shows the English figure '../figures/flow.svg': show "
                         "'../figures/ko/flow.svg'"));
    EXPECT_TRUE(mentions(report, "docs/ko/guide.md",
                         "figure 1 is none, the English's is flow.svg (docs/guide.md:3)"));
    tree["docs/ko/guide.md"] = replaced(ko, "../figures/ko/flow.svg", "../figures/ko/other.svg");
    EXPECT_TRUE(mentions(tr::check_translations(tree), "docs/ko/guide.md:4",
                         "figure 1 is ko/other.svg, the English's is flow.svg"));
}

TEST(TranslationsCheck, KoreanDocsLinkKoreanDocs) {
    tr::Tree tree = complete_tree();
    tree["docs/ko/guide.md"] =
        replaced(tree["docs/ko/guide.md"], "../../README.ko.md", "../../README.md");
    tree["docs/ko/guide.md"] += "[영어](../guide.md) [번역 전](../new.md)\n";
    tree["docs/new.md"] = "# New\n";
    const tr::Report report = tr::check_translations(tree);
    EXPECT_TRUE(mentions(report, "docs/ko/guide.md:18",
                         "links to the English README.md: link to its Korean version "
                         "'../../README.ko.md'"));
    // Its own English doc, and one not translated yet, may be linked.
    EXPECT_FALSE(mentions(report, "docs/ko/guide.md:19", "links to the English"));
    EXPECT_TRUE(mentions(report, "docs/new.md", "no Korean version"));
}

TEST(TranslationsCheck, ReadmesLinkEachOtherInTheirFirstFiveLines) {
    tr::Tree tree = complete_tree();
    tree["README.md"] = replaced(tree["README.md"], "[한국어](README.ko.md)\n", "");
    tree["README.md"] += "[한국어](README.ko.md)\n";
    tree["README.ko.md"] = replaced(tree["README.ko.md"], "[English](README.md)", "English");
    const tr::Report report = tr::check_translations(tree);
    EXPECT_TRUE(mentions(report, "README.md:1",
                         "the first 5 lines must link README.ko.md (the other language's "
                         "README)"));
    EXPECT_TRUE(mentions(report, "README.ko.md:1", "the first 5 lines must link README.md"));
}

TEST(TranslationsSync, EnglishChangeFails) {
    tr::Tree tree = complete_tree();
    tree["docs/guide.md"] = replaced(tree["docs/guide.md"], "Back to", "Go back to");
    EXPECT_EQ(formatted(tr::check_translations(tree, "ROOT")),
              (Lines{"docs/ko/guide.md:15: section 3 '### Details' (docs/guide.md:13): the "
                     "English section changed since this Korean section was stamped; update the "
                     "Korean to match, then run 'translations --stamp ROOT'"}));
}

TEST(TranslationsSync, KoreanChangeFails) {
    tr::Tree tree = complete_tree();
    tree["docs/ko/guide.md"] = replaced(tree["docs/ko/guide.md"], "# 안내", "# 안내서");
    EXPECT_EQ(formatted(tr::check_translations(tree, "ROOT")),
              (Lines{"docs/ko/guide.md:1: section 1 '# Guide' (docs/guide.md:1): the Korean "
                     "section changed since it was stamped, the English did not; make the same "
                     "change in the English if it needs it, then run 'translations --stamp "
                     "ROOT'"}));
}

TEST(TranslationsSync, BothChangedFails) {
    tr::Tree tree = complete_tree();
    tree["README.md"] += "More.\n";
    tree["README.ko.md"] += "더.\n";
    EXPECT_TRUE(mentions(tr::check_translations(tree), "README.ko.md:7",
                         "section 2 '## Use' (README.md:6): both the English and the Korean "
                         "section changed since they were stamped"));
}

TEST(TranslationsSync, RestampingFixesIt) {
    tr::Tree tree = complete_tree();
    tree["README.md"] += "More.\n";
    tree["README.ko.md"] += "더.\n";
    const tr::Tree stamped = tr::stamp_tree(tree);
    ASSERT_EQ(stamped.size(), 1U);
    tree["README.ko.md"] = stamped.at("README.ko.md");
    EXPECT_EQ(formatted(tr::check_translations(tree)), Lines{});
}

TEST(TranslationsSync, WhitespaceOnlyChangesAreNotChanges) {
    tr::Tree tree = complete_tree();
    tree["docs/guide.md"] = replaced(tree["docs/guide.md"], "## The steps", "## The steps   ");
    std::string crlf;
    for (const std::string& line : iocp::doctext::split_lines(tree["docs/ko/guide.md"])) {
        crlf += line + "\r\n";
    }
    tree["docs/ko/guide.md"] = crlf + "\n\n";
    EXPECT_EQ(formatted(tr::check_translations(tree)), Lines{});
}

TEST(TranslationsSync, ADocWithoutStampsFails) {
    const tr::Report report = tr::check_translations(unstamped_tree(), "ROOT");
    EXPECT_EQ(formatted(report),
              (Lines{"README.ko.md:1: no sync stamps: each section carries one on the line after "
                     "its heading; once every section says what the English (README.md) says, "
                     "run 'translations --stamp ROOT'",
                     "docs/ko/guide.md:1: no sync stamps: each section carries one on the line "
                     "after its heading; once every section says what the English "
                     "(docs/guide.md) says, run 'translations --stamp ROOT'"}));
}

TEST(TranslationsSync, MissingMisplacedAndMalformedStamps) {
    tr::Tree tree = complete_tree();
    const Lines lines = iocp::doctext::split_lines(tree["docs/ko/guide.md"]);
    std::string moved;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i == 6) {
            continue;  // the stamp of "## 단계" ...
        }
        moved += lines[i] + "\n";
        if (i == 7) {
            moved += lines[6] + "\n";  // ... one line too late
        }
    }
    tree["docs/ko/guide.md"] = replaced(moved, "ko=", "ko=x");
    const tr::Report report = tr::check_translations(tree);
    EXPECT_EQ(places(report),
              (Lines{"docs/ko/guide.md:2", "docs/ko/guide.md:6", "docs/ko/guide.md:8"}));
    EXPECT_TRUE(mentions(report, "docs/ko/guide.md:2", "malformed sync stamp"));
    EXPECT_TRUE(mentions(report, "docs/ko/guide.md:6",
                         "section 2 '## The steps' (docs/guide.md:5) has no sync stamp on the "
                         "line after its heading"));
    EXPECT_TRUE(mentions(report, "docs/ko/guide.md:8", "misplaced sync stamp"));
    // Stamping again puts every stamp back in place.
    tree["docs/ko/guide.md"] = tr::stamp_tree(tree).at("docs/ko/guide.md");
    EXPECT_EQ(formatted(tr::check_translations(tree)), Lines{});
}

TEST(TranslationsSync, NotComparedOrStampedWhileHeadingsDiffer) {
    tr::Tree tree = unstamped_tree();
    tree["docs/ko/guide.md"] = replaced(tree["docs/ko/guide.md"], "## 단계", "단계");
    const tr::Tree stamped = tr::stamp_tree(tree);
    EXPECT_FALSE(stamped.contains("docs/ko/guide.md"));
    EXPECT_TRUE(stamped.contains("README.ko.md"));
    const tr::Report report = tr::check_translations(tree);
    EXPECT_FALSE(mentions(report, "docs/ko/guide.md:1", "no sync stamps"));
}

TEST(TranslationsSync, ADocWithoutHeadingsHasOneStampOnTop) {
    tr::Tree tree = {{"docs/a.md", "Just text.\n"}, {"docs/ko/a.md", "그냥 글.\n"}};
    tree["docs/ko/a.md"] = tr::stamp_tree(tree).at("docs/ko/a.md");
    EXPECT_TRUE(tree["docs/ko/a.md"].starts_with("<!-- sync: en="));
    EXPECT_EQ(formatted(tr::check_translations(tree)), Lines{});
    tree["docs/a.md"] = "Other text.\n";
    EXPECT_TRUE(mentions(tr::check_translations(tree), "docs/ko/a.md:1",
                         "section 1 (docs/a.md): the English section changed"));
}

// --- Korean figures ---------------------------------------------------------------------------

TEST(TranslationsFigures, EnglishWords) {
    for (const std::string_view text :
         {"the queue", "Completion", "(key,", "or", "Is", "queue \"hello\"", "T1: cold"}) {
        EXPECT_TRUE(tr::has_english_word(text)) << text;
    }
    for (const std::string_view text :
         {"OVERLAPPED", "GetQueued", "sock1", "close_locked", "start()", "T1", "0/2", "#3", "&ov1",
          "key=0", "WAIT_TIMEOUT (R3)", "--idle-timeout", "a", "lifo.txt", "⋮"}) {
        EXPECT_FALSE(tr::has_english_word(text)) << text;
    }
}

TEST(TranslationsFigures, DisplayTextDecodesAndCollapses) {
    EXPECT_EQ(tr::display_text("  a &amp;ov1\n   &lt;- b &#65;&#x42; &bogus; "),
              "a &ov1 <- b AB &bogus;");
}

TEST(TranslationsFigures, LabelTableRows) {
    const tr::LabelTable table = tr::parse_label_table(
        text({"# comment", "", "a  b\t가 나", "no tab", "x\t", "a b\t다", "one\ttwo\tthree",
              "same\tsame", "f.svg\tsame\t같음", "f.svg\tsame\t다름", "a/f.svg\tx\ty",
              "#2 from sock1\tsock1의 #2"}));
    EXPECT_EQ(table.rows.size(), 4U);
    EXPECT_EQ(table.rows.at({"", "#2 from sock1"}).korean, "sock1의 #2");
    EXPECT_EQ(table.rows.at({"", "a b"}).line, 3U);
    EXPECT_EQ(table.labels_for("g.svg"),
              (std::map<std::string, std::string>{
                  {"#2 from sock1", "sock1의 #2"}, {"a b", "가 나"}, {"same", "same"}}));
    EXPECT_EQ(table.labels_for("f.svg").at("same"), "같음");
    Lines problems;
    for (const tr::Problem& problem : table.problems) {
        problems.push_back(tr::format_problem(problem));
    }
    const std::string bad_row =
        "a row is 'English<TAB>Korean' or 'FIGURE.svg<TAB>English<TAB>Korean'";
    EXPECT_EQ(problems,
              (Lines{"docs/ko/figure_labels.tsv:4: " + bad_row,
                     "docs/ko/figure_labels.tsv:5: a row needs both an English and a Korean text",
                     "docs/ko/figure_labels.tsv:6: duplicate row for 'a b' (first at line 3)",
                     "docs/ko/figure_labels.tsv:7: " + bad_row,
                     "docs/ko/figure_labels.tsv:10: duplicate row for 'same' in f.svg (first at "
                     "line 9)",
                     "docs/ko/figure_labels.tsv:11: " + bad_row}));
}

TEST(TranslationsFigures, AFigureRowWinsInItsFigureOnly) {
    tr::Tree tree = complete_tree();
    tree["docs/figures/other.svg"] = text({"<svg>", "<text>The flow</text>", "</svg>"});
    tree["docs/ko/figure_labels.tsv"] = labels() + "other.svg\tThe flow\t다른 흐름\n";
    tr::FigureResult result = tr::check_figures(tree);
    EXPECT_NE(result.expected.at("docs/figures/ko/other.svg").find("<text>다른 흐름</text>"),
              std::string::npos);
    EXPECT_NE(result.expected.at("docs/figures/ko/flow.svg").find("<title>흐름</title>"),
              std::string::npos);
    // The flow.svg row is still used (by flow.svg); a figure row its figure never uses is not.
    tree["docs/ko/figure_labels.tsv"] += "flow.svg\tT9\t티9\n";
    EXPECT_TRUE(mentions(tr::check_figures(tree).report, "docs/ko/figure_labels.tsv:5",
                         "row 'T9' is used by no text of flow.svg: remove it"));
}

TEST(TranslationsFigures, TranslateReplacesOnlyTheTexts) {
    const std::string svg =
        text({"<?xml version=\"1.0\"?>", "<svg>", "<title>The flow</title>",
              "<desc>The flow</desc>", "<text x=\"1\" label=\"a>b\">  The   flow\n  </text>",
              "<text>head <tspan font-weight=\"bold\">bold part</tspan> tail</text>",
              "<!-- <text>The flow</text> -->", "<text>Keep</text>", "<rect/><text>T1</text>",
              "</svg>"});
    const std::map<std::string, std::string> labels = {
        {"The flow", "흐름 <1> & 2"}, {"bold part", "굵게"}, {"Keep", "Keep"}};
    const tr::TranslatedSvg result = tr::translate_svg(svg, labels, "flow.svg");
    EXPECT_EQ(result.svg,
              text({"<?xml version=\"1.0\"?>",
                    "<!-- Generated from ../flow.svg and docs/ko/figure_labels.tsv by the "
                    "translations tool (figures, fix): edit those, not this file. -->",
                    "<svg>", "<title>흐름 &lt;1&gt; &amp; 2</title>", "<desc>The flow</desc>",
                    "<text x=\"1\" label=\"a>b\">  흐름 &lt;1&gt; &amp; 2\n  </text>",
                    "<text>head <tspan font-weight=\"bold\">굵게</tspan> tail</text>",
                    "<!-- <text>The flow</text> -->", "<text>Keep</text>", "<rect/><text>T1</text>",
                    "</svg>"}));
    ASSERT_EQ(result.untranslated.size(), 2U);
    EXPECT_EQ(result.untranslated[0].text, "head");
    EXPECT_EQ(result.untranslated[0].line, 7U);
    EXPECT_EQ(result.untranslated[1].text, "tail");
    EXPECT_EQ(result.used, (std::set<std::string>{"The flow", "bold part", "Keep"}));
}

TEST(TranslationsFigures, CompleteTreePasses) {
    const tr::FigureResult result = tr::check_figures(complete_tree());
    EXPECT_EQ(formatted(result.report), Lines{});
    EXPECT_EQ(result.report.checked, 1U);
    EXPECT_EQ(result.expected.at("docs/figures/ko/flow.svg"), flow_svg_ko());
}

TEST(TranslationsFigures, EveryProblemIsFound) {
    tr::Tree tree = complete_tree();
    tree["docs/figures/ko/flow.svg"] = replaced(flow_svg_ko(), "정지", "멈춤");
    tree["docs/figures/new.svg"] = text({"<svg>", "<text>a new label</text>", "</svg>"});
    tree["docs/figures/ko/gone.svg"] = "<svg/>\n";
    tree["docs/ko/figure_labels.tsv"] = labels() + "Old label\t옛 이름\nbad row\n";
    EXPECT_EQ(formatted(tr::check_figures(tree).report),
              (Lines{"docs/figures/ko/flow.svg:4: stale: not what docs/figures/flow.svg and "
                     "docs/ko/figure_labels.tsv make",
                     "docs/figures/ko/gone.svg: no English figure docs/figures/gone.svg: remove it",
                     "docs/figures/ko/new.svg: missing: the Korean figure of docs/figures/new.svg",
                     "docs/figures/new.svg:2: text 'a new label' has English words and no row in "
                     "docs/ko/figure_labels.tsv: add 'TEXT<TAB>Korean' (or 'TEXT<TAB>TEXT' to "
                     "keep it English)",
                     "docs/ko/figure_labels.tsv:4: row 'Old label' is used by no figure: remove it",
                     "docs/ko/figure_labels.tsv:5: a row is 'English<TAB>Korean' or "
                     "'FIGURE.svg<TAB>English<TAB>Korean'"}));
}

TEST(TranslationsFigures, MissingTable) {
    tr::Tree tree = complete_tree();
    tree.erase("docs/ko/figure_labels.tsv");
    const tr::Report report = tr::check_figures(tree).report;
    EXPECT_TRUE(mentions(report, "docs/ko/figure_labels.tsv", "missing"));
    EXPECT_TRUE(mentions(report, "docs/figures/flow.svg:2", "text 'The flow'"));
}

// --- The program, on a temporary tree -------------------------------------------------------

// A directory under the system's temporary directory, unique to this test, removed afterwards.
class TranslationsTree : public iocp::tools_testing::TempTree {
protected:
    TranslationsTree() : TempTree("iocp-translations-test-") {}

    void write_tree(const tr::Tree& tree) const {
        for (const auto& [path, contents] : tree) {
            write(path, contents);
        }
    }

    static Result run(const std::vector<std::string>& args) { return run_program(tr::run, args); }
};

TEST_F(TranslationsTree, ReadTreeTakesDocsFiguresAndTheTable) {
    write_tree(complete_tree());
    write("build/stale.md", "# stale\n");
    write(".git/x.md", "# hidden\n");
    write("docs/figures/deeper/x.svg", "<svg/>\n");
    write("notes.txt", "not read\n");
    const tr::Tree tree = tr::read_tree(root_);
    Lines paths;
    for (const auto& [path, contents] : tree) {
        paths.push_back(path);
    }
    EXPECT_EQ(paths,
              (Lines{"README.ko.md", "README.md", "docs/figures/flow.svg",
                     "docs/figures/ko/flow.svg", "docs/guide.md", "docs/ko/figure_labels.tsv",
                     "docs/ko/glossary.md", "docs/ko/guide.md"}));
    EXPECT_EQ(tree, complete_tree());
}

TEST_F(TranslationsTree, StampThenCheckPasses) {
    write_tree(unstamped_tree());
    const Result check = run({root_.string()});
    EXPECT_EQ(check.exit_code, 1);
    EXPECT_NE(check.out.find("README.ko.md:1: no sync stamps"), std::string::npos) << check.out;
    EXPECT_NE(check.out.find("translations: 2 problem(s) in 2 Korean docs compared; after making "
                             "both versions of a section say the same, run 'translations "
                             "--stamp " +
                             root_.string() + "'"),
              std::string::npos)
        << check.out;

    const Result stamp = run({"--stamp", root_.string()});
    EXPECT_EQ(stamp.exit_code, 0) << stamp.out << stamp.err;
    EXPECT_EQ(stamp.out,
              "stamped README.ko.md\nstamped docs/ko/guide.md\ntranslations: 2 Korean docs agree "
              "with their English docs, every section in sync\n");
    EXPECT_EQ(read("docs/ko/guide.md"), complete_tree().at("docs/ko/guide.md"));
    EXPECT_EQ(run({root_.string()}).exit_code, 0);
}

TEST_F(TranslationsTree, AnchorsMode) {
    write_tree(complete_tree());
    EXPECT_EQ(run({"--anchors", root_.string()}).out,
              "anchors: 5 docs, every section link names a heading\n");
    write("docs/extra.md", "[x](guide.md#nope)\n");
    const Result result = run({"--anchors", root_.string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.out,
              "docs/extra.md:1: link to 'guide.md#nope': no heading of docs/guide.md has the "
              "anchor '#nope'\nanchors: 1 problem(s)\n");
}

TEST_F(TranslationsTree, FiguresFixWritesTheKoreanFigures) {
    tr::Tree tree = complete_tree();
    tree.erase("docs/figures/ko/flow.svg");
    write_tree(tree);
    const Result check = run({"--figures", root_.string()});
    EXPECT_EQ(check.exit_code, 1);
    EXPECT_EQ(check.out,
              "docs/figures/ko/flow.svg: missing: the Korean figure of "
              "docs/figures/flow.svg\nfigures: 1 problem(s); after editing "
              "docs/ko/figure_labels.tsv, run 'translations --figures --fix " +
                  root_.string() + "' to regenerate docs/figures/ko\n");
    const Result fix = run({"--figures", "--fix", root_.string()});
    EXPECT_EQ(fix.exit_code, 0) << fix.out << fix.err;
    EXPECT_EQ(fix.out, "written docs/figures/ko/flow.svg\nfigures: 1 Korean figures current\n");
    EXPECT_EQ(read("docs/figures/ko/flow.svg"), flow_svg_ko());
}

TEST_F(TranslationsTree, BadUsage) {
    EXPECT_EQ(run({"--stamp", "--figures"}).exit_code, 2);
    EXPECT_EQ(run({"--fix"}).exit_code, 2);
    EXPECT_EQ(run({"a", "b"}).exit_code, 2);
    const Result missing = run({(root_ / "nope").string()});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("no such directory"), std::string::npos);
    EXPECT_EQ(run({"--help"}).exit_code, 0);
}

}  // namespace
