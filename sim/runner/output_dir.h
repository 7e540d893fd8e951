// Output paths checked before any work, so an unwritable folder or file is reported at once, not after a
// whole simulation.
#pragma once

#include <string>

namespace cdma::runner {

// Creates `dir` (and its parents) and checks that a file can be written in it; throws std::invalid_argument
// "--out DIR: cannot write: <reason>".
void prepare_output_dir(const std::string& dir, const std::string& flag = "--out");
// Checks that `path` can be written (its folder exists, it is not a folder); returns it. Throws
// std::invalid_argument naming the flag.
std::string prepare_output_file(const std::string& path, const std::string& flag);
// Writes `text` to `path`; throws std::runtime_error naming the file if it cannot.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace cdma::runner
