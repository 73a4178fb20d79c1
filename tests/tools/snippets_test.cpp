// tests/tools/snippets_test.cpp: the documentation snippet checker (tools/snippets/snippets.h).
//
// Fixtures are built in memory or in a temporary directory, never committed: the real check of
// the repository would find their markers. For the same reason every marker in this file sits
// inside a string literal, so that no line of it trims to a marker.
#include "snippets.h"
#include "tools_testing.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace sn = iocp::snippets;
using iocp::tools_testing::text;

std::string_view kind_name(sn::ProblemKind kind) {
    switch (kind) {
        case sn::ProblemKind::differing:
            return "differing";
        case sn::ProblemKind::missing_region:
            return "missing";
        case sn::ProblemKind::unused_region:
            return "unused";
        case sn::ProblemKind::malformed:
            return "malformed";
    }
    return "?";
}

// "kind path:line" for each problem, to compare exactly in one assertion.
std::vector<std::string> brief(const sn::Report& report) {
    std::vector<std::string> result;
    for (const sn::Problem& problem : report.problems) {
        result.push_back(std::string(kind_name(problem.kind)) + " " + problem.path + ":" +
                         std::to_string(problem.line));
    }
    return result;
}

using Lines = std::vector<std::string>;

// A source with region `a` at line 2 and a doc including it at line 2 (block at 3..8).
std::string source_a() {
    return text({"#include <cstdio>", "    // [snippet:a]", "    int x = 1;", "", "    int y = 2;",
                 "    // [/snippet]", "int z;"});
}

std::string doc_a() {
    return text({"# Title", "<!-- snippet: a -->", "```cpp", "// src/a.cpp", "int x = 1;", "",
                 "int y = 2;", "```", "after"});
}

sn::Tree matching_tree() {
    return {{"src/a.cpp", source_a()}, {"docs/a.md", doc_a()}};
}

TEST(SnippetsParse, RegionBodyIsDedentedWithBlankLinesEmptied) {
    const sn::ParsedSource parsed =
        sn::parse_regions("x.cpp", text({"// [snippet:d]", "        if (a) {", "   ",
                                         "            b();", "        }", "// [/snippet]"}));
    ASSERT_TRUE(parsed.problems.empty());
    ASSERT_EQ(parsed.regions.size(), 1U);
    const sn::Region& region = parsed.regions[0];
    EXPECT_EQ(region.name, "d");
    EXPECT_EQ(region.path, "x.cpp");
    EXPECT_EQ(region.line, 1U);
    EXPECT_EQ(region.style, sn::CommentStyle::slashes);
    EXPECT_EQ(region.body, (Lines{"if (a) {", "", "    b();", "}"}));
}

TEST(SnippetsParse, DedentComparesTabsAndSpacesLiterally) {
    const sn::ParsedSource parsed = sn::parse_regions(
        "x.sh", text({"# [snippet:t]", "\t\techo a", "\t  echo b", "# [/snippet]"}));
    ASSERT_EQ(parsed.regions.size(), 1U);
    EXPECT_EQ(parsed.regions[0].style, sn::CommentStyle::hash);
    EXPECT_EQ(parsed.regions[0].body, (Lines{"\techo a", "  echo b"}));
}

TEST(SnippetsParse, MarkersMustBeWholeLines) {
    const sn::ParsedSource parsed = sn::parse_regions(
        "x.cpp", text({"int a; // [snippet:no]", "//  [snippet:no]", "// [snippet:no] x",
                       "const char* s = \"// [/snippet]\";"}));
    EXPECT_TRUE(parsed.regions.empty());
    EXPECT_TRUE(parsed.problems.empty());
}

TEST(SnippetsParse, InvalidRegionNameIsMalformed) {
    const sn::ParsedSource parsed =
        sn::parse_regions("x.cpp", text({"x", "// [snippet:a b]", "// [/snippet]"}));
    ASSERT_EQ(parsed.problems.size(), 2U);
    EXPECT_EQ(parsed.problems[0].line, 2U);
    EXPECT_NE(parsed.problems[0].message.find("invalid region name 'a b'"), std::string::npos);
    EXPECT_EQ(parsed.problems[1].line, 3U);  // the end marker then has no start
}

TEST(SnippetsParse, DocMarkerAcceptsAnyWhitespace) {
    const sn::ParsedDoc parsed =
        sn::parse_doc_blocks("d.md", text({"  <!--snippet:a-->", "```cpp", "x", "```",
                                           "<!--   snippet :  b   -->", "```cmake", "```"}));
    ASSERT_TRUE(parsed.problems.empty());
    ASSERT_EQ(parsed.blocks.size(), 2U);
    EXPECT_EQ(parsed.blocks[0].name, "a");
    EXPECT_EQ(parsed.blocks[0].line, 1U);
    EXPECT_EQ(parsed.blocks[0].lines, (Lines{"```cpp", "x", "```"}));
    EXPECT_EQ(parsed.blocks[1].name, "b");
    EXPECT_EQ(parsed.blocks[1].line, 5U);
    EXPECT_EQ(parsed.names, (Lines{"a", "b"}));
}

TEST(SnippetsParse, MarkerInsideFenceOrInlineIsIgnored) {
    const sn::ParsedDoc parsed =
        sn::parse_doc_blocks("d.md", text({"Write `<!-- snippet: a -->` above a block:", "",
                                           "````markdown", "<!-- snippet: a -->", "```cpp", "```",
                                           "````", "~~~", "<!-- snippet: b -->", "~~~", "end"}));
    EXPECT_TRUE(parsed.problems.empty());
    EXPECT_TRUE(parsed.blocks.empty());
    EXPECT_TRUE(parsed.names.empty());
}

TEST(SnippetsParse, MarkerWithoutFenceIsMalformed) {
    const sn::ParsedDoc parsed = sn::parse_doc_blocks(
        "d.md", text({"<!-- snippet: a -->", "", "```cpp", "```", "<!-- snippet: b -->"}));
    ASSERT_EQ(parsed.problems.size(), 2U);
    EXPECT_EQ(parsed.problems[0].line, 1U);
    EXPECT_EQ(parsed.problems[1].line, 5U);
    EXPECT_EQ(parsed.problems[0].kind, sn::ProblemKind::malformed);
    EXPECT_TRUE(parsed.blocks.empty());
    EXPECT_EQ(parsed.names, (Lines{"a", "b"}));  // still counted as including them
}

TEST(SnippetsParse, UnterminatedFenceIsMalformed) {
    const sn::ParsedDoc parsed =
        sn::parse_doc_blocks("d.md", text({"text", "<!-- snippet: a -->", "```cpp", "x"}));
    ASSERT_EQ(parsed.problems.size(), 1U);
    EXPECT_EQ(parsed.problems[0].line, 2U);
    EXPECT_NE(parsed.problems[0].message.find("unterminated fence"), std::string::npos);
    EXPECT_TRUE(parsed.blocks.empty());
}

TEST(SnippetsRender, CppCaptionAndLanguage) {
    const sn::Region region{"r", "common/src/log.cpp", 3, sn::CommentStyle::slashes, {"f();"}};
    EXPECT_EQ(sn::render_block(region), (Lines{"```cpp", "// common/src/log.cpp", "f();", "```"}));
}

TEST(SnippetsRender, CMakeListsCaptionAndLanguage) {
    const sn::Region region{"r", "ch01/CMakeLists.txt", 3, sn::CommentStyle::hash, {"x()"}};
    EXPECT_EQ(sn::render_block(region), (Lines{"```cmake", "# ch01/CMakeLists.txt", "x()", "```"}));
}

TEST(SnippetsRender, LanguageOfEachSourceKind) {
    EXPECT_EQ(sn::language_of("a.h"), "cpp");
    EXPECT_EQ(sn::language_of("a/b.hpp"), "cpp");
    EXPECT_EQ(sn::language_of("a.cc"), "cpp");
    EXPECT_EQ(sn::language_of("a.c"), "cpp");
    EXPECT_EQ(sn::language_of("cmake/IocpChapter.cmake"), "cmake");
    EXPECT_EQ(sn::language_of("CMakeLists.txt"), "cmake");
    EXPECT_EQ(sn::language_of("tutorial.sh"), "bash");
    EXPECT_EQ(sn::language_of("notes.txt"), "");
    EXPECT_EQ(sn::language_of("README.md"), "");
    EXPECT_TRUE(sn::is_doc_path("docs/ch01.md"));
    EXPECT_FALSE(sn::is_source_path("docs/ch01.md"));
}

TEST(SnippetsCheck, MatchingTreePasses) {
    const sn::Report report = sn::check_tree(matching_tree());
    EXPECT_TRUE(report.problems.empty())
        << (report.problems.empty() ? "" : sn::format_problem(report.problems[0]));
    EXPECT_EQ(report.regions, 1U);
    EXPECT_EQ(report.blocks, 1U);
    EXPECT_EQ(sn::summary_line(report, "."), "snippets: 1 regions, 1 doc blocks, all match");
}

TEST(SnippetsCheck, CMakeListsRegionMatches) {
    const sn::Tree tree{
        {"ch01/CMakeLists.txt", text({"# [snippet:prog]", "add_executable(x)", "# [/snippet]"})},
        {"d.md", text({"<!-- snippet: prog -->", "```cmake", "# ch01/CMakeLists.txt",
                       "add_executable(x)", "```"})}};
    EXPECT_TRUE(sn::check_tree(tree).problems.empty());
}

TEST(SnippetsCheck, DifferingBlockIsReportedWithItsLine) {
    sn::Tree tree = matching_tree();
    tree["docs/a.md"] = text({"# Title", "<!-- snippet: a -->", "```cpp", "// src/a.cpp",
                              "int x = 1;", "", "int y = 3;", "```", "after"});
    const sn::Report report = sn::check_tree(tree);
    ASSERT_EQ(brief(report), (Lines{"differing docs/a.md:2"}));
    EXPECT_EQ(report.problems[0].region, "a");
    EXPECT_EQ(sn::format_problem(report.problems[0]),
              "docs/a.md:2: block differs from region 'a' (src/a.cpp:2), first at line 7");
    EXPECT_EQ(sn::summary_line(report, "some/root"),
              "snippets: 1 problem(s); run 'snippets --fix some/root' to rewrite differing "
              "blocks");
}

TEST(SnippetsCheck, WrongCaptionOrLanguageDiffers) {
    sn::Tree tree = matching_tree();
    tree["docs/b.md"] = text(
        {"<!-- snippet: a -->", "```c++", "// src/a.cpp", "int x = 1;", "", "int y = 2;", "```"});
    tree["docs/c.md"] =
        text({"<!-- snippet: a -->", "```cpp", "// a.cpp", "int x = 1;", "", "int y = 2;", "```"});
    EXPECT_EQ(brief(sn::check_tree(tree)),
              (Lines{"differing docs/b.md:1", "differing docs/c.md:1"}));
}

TEST(SnippetsCheck, MissingRegion) {
    sn::Tree tree = matching_tree();
    tree["docs/b.md"] = text({"x", "", "<!-- snippet: nope -->", "```cpp", "```"});
    const sn::Report report = sn::check_tree(tree);
    ASSERT_EQ(brief(report), (Lines{"missing docs/b.md:3"}));
    EXPECT_EQ(report.problems[0].message, "missing region 'nope': no source defines it");
    EXPECT_EQ(sn::summary_line(report, "."), "snippets: 1 problem(s)");
}

TEST(SnippetsCheck, UnusedRegion) {
    sn::Tree tree = matching_tree();
    tree["tools/x.sh"] = text({"#!/bin/sh", "", "# [snippet:lonely]", "echo", "# [/snippet]"});
    const sn::Report report = sn::check_tree(tree);
    ASSERT_EQ(brief(report), (Lines{"unused tools/x.sh:3"}));
    EXPECT_EQ(report.problems[0].message, "unused region 'lonely': no doc block includes it");
}

TEST(SnippetsCheck, RegionMayBeIncludedByManyDocs) {
    sn::Tree tree = matching_tree();
    tree["docs/b.md"] = doc_a();
    const sn::Report report = sn::check_tree(tree);
    EXPECT_TRUE(report.problems.empty());
    EXPECT_EQ(report.regions, 1U);
    EXPECT_EQ(report.blocks, 2U);
}

TEST(SnippetsCheck, DuplicateName) {
    sn::Tree tree = matching_tree();
    tree["src/b.cpp"] = text({"", "// [snippet:a]", "int x = 1;", "// [/snippet]"});
    const sn::Report report = sn::check_tree(tree);
    // Reported once: the block that includes the ambiguous name is not compared too.
    ASSERT_EQ(brief(report), (Lines{"malformed src/b.cpp:2"}));
    EXPECT_EQ(report.problems[0].message, "duplicate region 'a' (first defined at src/a.cpp:2)");
}

TEST(SnippetsCheck, UnterminatedRegion) {
    sn::Tree tree = matching_tree();
    tree["src/a.cpp"] = text({"x", "// [snippet:a]", "int x = 1;"});
    const sn::Report report = sn::check_tree(tree);
    ASSERT_EQ(brief(report), (Lines{"malformed src/a.cpp:2"}));
    EXPECT_EQ(report.problems[0].message, "unterminated region 'a': no end marker");
    EXPECT_EQ(report.regions, 0U);
}

TEST(SnippetsCheck, NestedStart) {
    sn::Tree tree = matching_tree();
    tree["src/b.cpp"] = text({"// [snippet:outer]", "a();", "    // [snippet:inner]", "b();",
                              "    // [/snippet]", "// [/snippet]"});
    const sn::Report report = sn::check_tree(tree);
    ASSERT_EQ(brief(report),
              (Lines{"unused src/b.cpp:3", "malformed src/b.cpp:3", "malformed src/b.cpp:6"}));
    EXPECT_EQ(report.problems[1].message,
              "region 'inner' starts inside region 'outer' (line 1); regions do not nest");
    EXPECT_EQ(report.problems[2].message, "end marker without a start marker");
}

TEST(SnippetsCheck, CrlfIsTolerated) {
    const sn::Tree tree{
        {"src/a.cpp", text({"// [snippet:a]", "    int x;", "// [/snippet]"}, "\r\n")},
        {"docs/a.md",
         text({"<!-- snippet: a -->", "```cpp", "// src/a.cpp", "int x;", "```"}, "\r\n")}};
    const sn::Report report = sn::check_tree(tree);
    EXPECT_TRUE(report.problems.empty());
    EXPECT_EQ(report.blocks, 1U);
}

TEST(SnippetsCheck, OtherFilesAreIgnored) {
    sn::Tree tree = matching_tree();
    tree["notes.txt"] = text({"// [snippet:x]", "// [/snippet]"});
    tree["page.html"] = text({"<!-- snippet: y -->"});
    EXPECT_TRUE(sn::check_tree(tree).problems.empty());
}

TEST(SnippetsFix, RewritesOnlyTheDifferingBlock) {
    sn::Tree tree = matching_tree();
    tree["src/b.cmake"] = text({"# [snippet:b]", "set(x 1)", "# [/snippet]"});
    // CRLF around the blocks, a matching block first, a stale one after it.
    tree["docs/a.md"] = text({"Intro\r", "<!-- snippet: a -->", "```cpp", "// src/a.cpp",
                              "int x = 1;", "", "int y = 2;", "```", "Middle  \r",
                              "<!-- snippet: b -->", "```cmake", "old", "```", "Tail\r"});
    const sn::FixResult fixed = sn::fix_tree(tree);
    ASSERT_EQ(fixed.fixes, (std::vector<sn::Fix>{{"docs/a.md", 10, "b"}}));
    ASSERT_EQ(fixed.changed.size(), 1U);
    EXPECT_EQ(fixed.changed.at("docs/a.md"),
              text({"Intro\r", "<!-- snippet: a -->", "```cpp", "// src/a.cpp", "int x = 1;", "",
                    "int y = 2;", "```", "Middle  \r", "<!-- snippet: b -->", "```cmake",
                    "# src/b.cmake", "set(x 1)", "```", "Tail\r"}));
    tree["docs/a.md"] = fixed.changed.at("docs/a.md");
    EXPECT_TRUE(sn::check_tree(tree).problems.empty());
    EXPECT_TRUE(sn::fix_tree(tree).fixes.empty());
}

TEST(SnippetsFix, KeepsAMissingFinalNewline) {
    sn::Tree tree = matching_tree();
    tree["docs/a.md"] = "<!-- snippet: a -->\n```cpp\n```";
    const sn::FixResult fixed = sn::fix_tree(tree);
    EXPECT_EQ(fixed.changed.at("docs/a.md"),
              "<!-- snippet: a -->\n```cpp\n// src/a.cpp\nint x = 1;\n\nint y = 2;\n```");
}

TEST(SnippetsFix, LeavesUnfixableProblemsReported) {
    sn::Tree tree = matching_tree();
    tree["docs/a.md"] = text({"<!-- snippet: a -->", "```cpp", "stale", "```", "",
                              "<!-- snippet: gone -->", "```cpp", "```"});
    tree["src/c.cpp"] = text({"// [snippet:c]", "// [/snippet]", "// [/snippet]"});
    const sn::FixResult fixed = sn::fix_tree(tree);
    ASSERT_EQ(fixed.fixes, (std::vector<sn::Fix>{{"docs/a.md", 1, "a"}}));
    tree["docs/a.md"] = fixed.changed.at("docs/a.md");
    const sn::Report report = sn::check_tree(tree);
    EXPECT_EQ(brief(report),
              (Lines{"missing docs/a.md:9", "unused src/c.cpp:1", "malformed src/c.cpp:3"}));
    EXPECT_EQ(sn::summary_line(report, "."), "snippets: 3 problem(s)");
}

TEST(SnippetsFix, BrokenRegionsAreNotFixed) {
    sn::Tree tree = matching_tree();
    tree["src/a.cpp"] = text({"// [snippet:a]", "int changed;"});
    EXPECT_TRUE(sn::fix_tree(tree).fixes.empty());
}

// A directory under the system's temporary directory, unique to this test, removed afterwards.
class SnippetsTree : public iocp::tools_testing::TempTree {
protected:
    SnippetsTree() : TempTree("iocp-snippets-test-") {}

    static Result run(const std::vector<std::string>& args) { return run_program(sn::run, args); }
};

TEST_F(SnippetsTree, ReadTreeSkipsBuildOutAndDotDirectories) {
    write("src/a.cpp", source_a());
    write("docs/a.md", doc_a());
    write("README.md", "readme\n");
    write("notes.txt", "not read\n");
    write("build/gen.cpp", text({"// [snippet:skipped]", "// [/snippet]"}));
    write("out/gen.md", text({"<!-- snippet: skipped -->"}));
    write(".git/x.cpp", text({"// [snippet:skipped]", "// [/snippet]"}));
    write("docs/.cache/y.md", text({"<!-- snippet: skipped -->"}));
    write("src/build/kept.cpp", "int kept;\n");  // only the top-level build/ is skipped
    const sn::Tree tree = sn::read_tree(root_);
    std::vector<std::string> paths;
    for (const auto& [path, contents] : tree) {
        paths.push_back(path);
    }
    EXPECT_EQ(paths, (Lines{"README.md", "docs/a.md", "src/a.cpp", "src/build/kept.cpp"}));
    EXPECT_EQ(tree.at("src/a.cpp"), source_a());
    EXPECT_TRUE(sn::check_tree(tree).problems.empty());
}

TEST_F(SnippetsTree, CheckPassesOnAMatchingTree) {
    write("src/a.cpp", source_a());
    write("docs/a.md", doc_a());
    write("build/stale.md", text({"<!-- snippet: a -->", "```cpp", "stale", "```"}));
    const Result result = run({root_.string()});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_EQ(result.out, "snippets: 1 regions, 1 doc blocks, all match\n");
    EXPECT_EQ(result.err, "");
}

TEST_F(SnippetsTree, FixRewritesTheFileAndASecondCheckPasses) {
    write("src/a.cpp", source_a());
    write("docs/a.md", text({"# Title", "<!-- snippet: a -->", "```cpp", "old", "```", "end"}));
    const Result check = run({root_.string()});
    EXPECT_EQ(check.exit_code, 1);
    EXPECT_EQ(check.out,
              "docs/a.md:2: block differs from region 'a' (src/a.cpp:2), first at "
              "line 4\nsnippets: 1 problem(s); run 'snippets --fix " +
                  root_.string() + "' to rewrite differing blocks\n");

    const Result fix = run({"--fix", root_.string()});
    EXPECT_EQ(fix.exit_code, 0) << fix.out << fix.err;
    EXPECT_EQ(fix.out,
              "fixed docs/a.md:2 (region a)\nsnippets: 1 regions, 1 doc blocks, all match\n");
    EXPECT_EQ(read("docs/a.md"), text({"# Title", "<!-- snippet: a -->", "```cpp", "// src/a.cpp",
                                       "int x = 1;", "", "int y = 2;", "```", "end"}));
    EXPECT_EQ(run({root_.string()}).exit_code, 0);
}

TEST_F(SnippetsTree, FixReportsWhatRemains) {
    write("src/a.cpp", source_a());
    write("docs/a.md", text({"<!-- snippet: a -->", "```cpp", "```", "<!-- snippet: b -->"}));
    const Result fix = run({root_.string(), "--fix"});
    EXPECT_EQ(fix.exit_code, 1);
    EXPECT_EQ(fix.out,
              "fixed docs/a.md:1 (region a)\n"
              "docs/a.md:8: snippet marker for 'b' is not followed by a fence opening "
              "(```) on the next line\nsnippets: 1 problem(s)\n");
}

TEST(SnippetsRun, HelpAndBadArguments) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(sn::run(std::vector<std::string>{"--help"}, out, err), 0);
    EXPECT_EQ(out.str().rfind("usage: snippets [--fix] [ROOT]\n", 0), 0U);
    EXPECT_EQ(err.str(), "");

    out.str("");
    EXPECT_EQ(sn::run(std::vector<std::string>{"--bogus"}, out, err), 2);
    EXPECT_EQ(out.str(), "");
    EXPECT_EQ(err.str().rfind("snippets: unknown option '--bogus'\nusage: snippets", 0), 0U);

    err.str("");
    EXPECT_EQ(sn::run(std::vector<std::string>{"a", "b"}, out, err), 2);
    EXPECT_EQ(err.str().rfind("snippets: unexpected argument 'b' (only one ROOT)\n", 0), 0U);
}

TEST_F(SnippetsTree, UnreadableRootIsAnError) {
    write("file.md", "x\n");
    for (const fs::path& root : {root_ / "missing", root_ / "file.md"}) {
        std::ostringstream out;
        std::ostringstream err;
        EXPECT_EQ(sn::run(std::vector<std::string>{root.string()}, out, err), 2);
        EXPECT_EQ(out.str(), "");
        EXPECT_EQ(err.str().rfind("snippets: cannot read ROOT '" + root.string() + "': ", 0), 0U)
            << err.str();
    }
}

}  // namespace
