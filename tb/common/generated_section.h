// The part of a documentation page between two marker lines that a program generates (a field table, a
// statistics catalogue), for tests that check the page against the code.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace cdma::test {

// The text after the line `begin` and before `end` in `path`; fails the test (and returns "") if either is
// missing.
inline std::string generated_section(const std::string& path, const std::string& begin,
                                     const std::string& end) {
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  const std::string doc = text.str();
  const size_t a = doc.find(begin + "\n"), b = doc.find(end);
  if (a == std::string::npos || b == std::string::npos || b < a) {
    ADD_FAILURE() << path << ": no section between '" << begin << "' and '" << end << "'";
    return "";
  }
  return doc.substr(a + begin.size() + 1, b - a - begin.size() - 1);
}

}  // namespace cdma::test
