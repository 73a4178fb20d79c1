// tests/common/xml_test.cpp: xml_escape replaces exactly the characters XML reserves.
#include "iocp/xml.h"

#include <gtest/gtest.h>

namespace {

TEST(XmlEscape, ReplacesTheFourReservedCharactersAndNothingElse) {
    EXPECT_EQ(iocp::xml_escape("a<b & \"c\">d"), "a&lt;b &amp; &quot;c&quot;&gt;d");
    EXPECT_EQ(iocp::xml_escape("plain text, 한국어 ok"), "plain text, 한국어 ok");
    EXPECT_EQ(iocp::xml_escape(""), "");
    EXPECT_EQ(iocp::xml_escape("&amp;"), "&amp;amp;");  // escaped again, as text must be
}

}  // namespace
