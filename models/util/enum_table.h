// The spellings of an enum, written once: its to_string and parse functions both read one table, and the
// table lists the accepted names in errors and help texts. An enumerator may have several spellings (aliases,
// e.g. "fp16" and "bf16"); its first one is the name to_string gives.
//
//   const util::EnumTable<Mode, 2> kModeNames("timing mode", {{{Mode::kAt, "at"}, {Mode::kLt, "lt"}}});
//   kModeNames.name(Mode::kLt)  -> "lt"
//   kModeNames.parse("xt")      -> std::invalid_argument "unknown timing mode 'xt' (expected at or lt)"
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/printable.h"

namespace cdma::util {

template <typename E>
struct EnumName {
  E value;
  const char* name;
};

template <typename E, size_t N>
class EnumTable {
 public:
  EnumTable(const char* what, const std::array<EnumName<E>, N>& names) : what_(what), names_(names) {}

  const char* what() const { return what_; }
  // The first spelling of `v`; "?" for a value outside the table.
  const char* name(E v) const {
    for (const EnumName<E>& n : names_) {
      if (n.value == v) return n.name;
    }
    return "?";
  }
  std::optional<E> find(std::string_view s) const {
    for (const EnumName<E>& n : names_) {
      if (s == n.name) return n.value;
    }
    return std::nullopt;
  }
  // Throws std::invalid_argument "unknown <what> '<s>' (expected <list>)".
  E parse(std::string_view s) const {
    if (const std::optional<E> v = find(s)) return *v;
    throw std::invalid_argument("unknown " + std::string(what_) + " '" + printable(s) + "' (expected " +
                                list() + ")");
  }
  // Every spelling in table order, "a, b or c"; each wrapped in `quote` if one is given.
  std::string list(const char* quote = "") const {
    std::string out;
    for (size_t i = 0; i < N; ++i) {
      out += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(quote) + names_[i].name + quote;
    }
    return out;
  }
  // The enumerators in table order, each once.
  std::vector<E> values() const {
    std::vector<E> out;
    for (const EnumName<E>& n : names_) {
      bool seen = false;
      for (E v : out) seen = seen || v == n.value;
      if (!seen) out.push_back(n.value);
    }
    return out;
  }
  const std::array<EnumName<E>, N>& entries() const { return names_; }

 private:
  const char* what_;
  std::array<EnumName<E>, N> names_;
};

}  // namespace cdma::util
