// tests/tools/doctext_test.cpp: the helpers both documentation tools share (tools/doctext):
// lines with their offsets, trimming, Markdown fences and comments, UTF-8 paths, files and
// the tree of files a tool reads.
//
// Every marker in this file sits inside a string literal, so that no line of it trims to one
// (the repository's snippet check reads this file as a source).
#include "doctext.h"
#include "tools_testing.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace dt = iocp::doctext;

using Lines = std::vector<std::string>;

// "text@begin-end" for each line, to compare the contents and the offsets in one assertion.
Lines described(std::string_view text) {
    Lines result;
    for (const dt::Line& line : dt::lines_of(text)) {
        result.push_back(std::string(line.text) + "@" + std::to_string(line.begin) + "-" +
                         std::to_string(line.end));
    }
    return result;
}

TEST(DoctextLines, OffsetsCoverTheTerminators) {
    EXPECT_EQ(described("a\r\nbc\n\nd"), (Lines{"a@0-3", "bc@3-6", "@6-7", "d@7-8"}));
    EXPECT_EQ(described("a\n"), (Lines{"a@0-2"}));
    EXPECT_EQ(described("\r\n"), (Lines{"@0-2"}));
    EXPECT_TRUE(dt::lines_of("").empty());
}

TEST(DoctextLines, OnlyACarriageReturnBeforeTheNewlineGoes) {
    EXPECT_EQ(described("a\r\r\nb\rc"), (Lines{"a\r@0-4", "b\rc@4-7"}));
}

TEST(DoctextLines, SplitLinesKeepsTheTexts) {
    EXPECT_EQ(dt::split_lines("a\r\nb\n\nc"), (Lines{"a", "b", "", "c"}));
    EXPECT_EQ(dt::split_lines("a\n"), (Lines{"a"}));
    EXPECT_TRUE(dt::split_lines("").empty());
}

TEST(DoctextText, TrimAndQuote) {
    EXPECT_EQ(dt::trim(" \t\f\va b\r\n"), "a b");
    EXPECT_EQ(dt::trim(" \t\r\n"), "");
    EXPECT_EQ(dt::trim(""), "");
    EXPECT_EQ(dt::trim("\xC2\xA0"
                       "x"),
              "\xC2\xA0"
              "x");  // only ASCII whitespace
    EXPECT_EQ(dt::in_quotes("a b"), "'a b'");
    EXPECT_EQ(dt::in_quotes(""), "''");
}

TEST(DoctextFences, Openings) {
    const std::optional<dt::Fence> backticks = dt::fence_opening("````cpp");
    ASSERT_TRUE(backticks);
    EXPECT_EQ(backticks->mark, '`');
    EXPECT_EQ(backticks->length, 4U);
    const std::optional<dt::Fence> tildes = dt::fence_opening("~~~");
    ASSERT_TRUE(tildes);
    EXPECT_EQ(tildes->mark, '~');
    EXPECT_EQ(tildes->length, 3U);
    EXPECT_FALSE(dt::fence_opening("``"));
    EXPECT_FALSE(dt::fence_opening(""));
    EXPECT_FALSE(dt::fence_opening("x```"));
    EXPECT_FALSE(dt::fence_opening("-~~~"));
}

TEST(DoctextFences, ClosedByTheSameMarkAtLeastAsLong) {
    const dt::Fence fence{'`', 4};
    EXPECT_TRUE(dt::closes("````", fence));
    EXPECT_TRUE(dt::closes("`````", fence));
    EXPECT_FALSE(dt::closes("```", fence));
    EXPECT_FALSE(dt::closes("````cpp", fence));
    EXPECT_FALSE(dt::closes("~~~~", fence));
    EXPECT_TRUE(dt::closes("~~~", dt::Fence{'~', 3}));
}

TEST(DoctextComments, BodyOfAWholeComment) {
    EXPECT_EQ(dt::comment_body("<!-- a b -->"), "a b");
    EXPECT_EQ(dt::comment_body("<!--a-->"), "a");
    EXPECT_EQ(dt::comment_body("<!---->"), "");
    EXPECT_FALSE(dt::comment_body("<!-->"));
    EXPECT_FALSE(dt::comment_body("<!-- a"));
    EXPECT_FALSE(dt::comment_body("x <!-- a -->"));
}

TEST(DoctextComments, SnippetMarkers) {
    EXPECT_EQ(dt::snippet_marker("<!-- snippet: a.b-c -->"), "a.b-c");
    EXPECT_EQ(dt::snippet_marker("<!--snippet:a-->"), "a");
    EXPECT_EQ(dt::snippet_marker("<!--  snippet \t :  a  -->"), "a");
    EXPECT_EQ(dt::snippet_marker("<!-- snippet: -->"), "");  // names are the tools' to check
    EXPECT_EQ(dt::snippet_marker("<!-- snippet: a b -->"), "a b");
    EXPECT_FALSE(dt::snippet_marker("<!-- snippet a -->"));
    EXPECT_FALSE(dt::snippet_marker("<!-- snippets: a -->"));
    EXPECT_FALSE(dt::snippet_marker("<!-- sync: en=0 ko=0 -->"));
    EXPECT_FALSE(dt::snippet_marker("<!-- snippet: a"));
}

TEST(DoctextPaths, Utf8BothWays) {
    const fs::path path = fs::path("docs") / "ko" / dt::from_utf8("가이드.md");
    EXPECT_EQ(dt::utf8(path), "docs/ko/가이드.md");
    EXPECT_EQ(dt::from_utf8("docs/ko/가이드.md"), fs::path(u8"docs/ko/가이드.md"));
    EXPECT_EQ(dt::utf8(dt::from_utf8("")), "");
}

class DoctextFiles : public iocp::tools_testing::TempTree {
protected:
    DoctextFiles() : TempTree("iocp-doctext-test-") {}
};

TEST_F(DoctextFiles, WriteMakesTheFoldersAndReadGivesTheBytesBack) {
    const std::string bytes("a\r\n\0b\xFF", 6);
    const fs::path path = root_ / dt::from_utf8("새 폴더/깊이/파일.md");
    dt::write_file(path, bytes);
    EXPECT_EQ(dt::read_file(path), bytes);
    dt::write_file(path, "c");  // replaces, does not append
    EXPECT_EQ(dt::read_file(path), "c");
}

TEST_F(DoctextFiles, ErrorsNameTheFile) {
    const fs::path missing = root_ / dt::from_utf8("없음.md");
    try {
        dt::read_file(missing);
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "cannot read '" + dt::utf8(missing) + "'");
    }
    write("folder/x.md", "x");
    try {
        dt::write_file(root_ / "folder", "y");  // a directory, not a file
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "cannot write '" + dt::utf8(root_ / "folder") + "'");
    }
    // A file where a folder must be: creating the folder fails.
    EXPECT_THROW(dt::write_file(root_ / "folder" / "x.md" / "y.md", "z"), std::runtime_error);
}

TEST_F(DoctextFiles, ReadTreeTakesTheWantedFilesOutsideBuildOutAndDotFolders) {
    write("a.md", "a\n");
    write("b.txt", "not wanted\n");
    write("build/c.md", "skipped\n");
    write("out/d.md", "skipped\n");
    write(".git/e.md", "skipped\n");
    write("sub/.cache/f.md", "skipped\n");
    write("sub/build/g.md", "g\n");  // only the top-level build/ is skipped
    write("문서/h.md", "h\n");
    const auto markdown = [](std::string_view relative) { return relative.ends_with(".md"); };
    const dt::Tree expected{{"a.md", "a\n"}, {"sub/build/g.md", "g\n"}, {"문서/h.md", "h\n"}};
    EXPECT_EQ(dt::read_tree(root_, markdown), expected);
    EXPECT_EQ(dt::read_tree(root_ / "", markdown), expected);  // "root/": paths still relative
    EXPECT_THROW(dt::read_tree(root_ / "missing", markdown), std::runtime_error);
}

TEST_F(DoctextFiles, DirectoryProblem) {
    write("file.md", "x\n");
    EXPECT_EQ(dt::directory_problem(root_), std::nullopt);
    EXPECT_EQ(dt::directory_problem(root_ / "missing"), "no such directory");
    EXPECT_EQ(dt::directory_problem(root_ / "file.md"), "not a directory");
}

}  // namespace
