// ch03_iocp_internals/model/embedded_scenarios.h: the scenarios in scenarios/, built in.
//
// CMake copies each file's text into the program (embed_scenarios.cmake), so `simulate lifo`
// works from any directory. Edit a file and rebuild, or run an edited copy with --file.
#pragma once
#include <span>
#include <string_view>

namespace ch03::model {

struct EmbeddedScenario {
    std::string_view name;  // the file's stem: "lifo"
    std::string_view text;
};

std::span<const EmbeddedScenario> embedded_scenarios();

}  // namespace ch03::model
