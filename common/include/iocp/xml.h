// common/include/iocp/xml.h: text made safe for XML (portable). The SVG figures and plots that
// chapter 3's simulator and the benchmark write put names and titles into elements and
// attributes; this is the one place that escapes them.
#pragma once

#include <string>
#include <string_view>

namespace iocp {

// `text` with & < > and " replaced by their entities: safe in element text and in a
// double-quoted attribute.
std::string xml_escape(std::string_view text);

}  // namespace iocp
