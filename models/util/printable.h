// Untrusted text inside an error message: control and non-ASCII bytes as \xNN, cut after max_chars, so every
// message stays on one printable line.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace cdma::util {

inline std::string printable(std::string_view text, size_t max_chars = 40) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max_chars; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

}  // namespace cdma::util
