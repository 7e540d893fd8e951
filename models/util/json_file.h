// Reading a JSON document a user supplied (a platform, network or densities file): every problem is one
// JsonFileError naming the source, before anything is built from it: a folder or a missing file, invalid JSON
// as "<file>:<line>:<column>: invalid JSON: <what>", a number beyond a double, nesting deeper than
// `max_depth` (refused as soon as it is reached, so a pathological file costs nothing), and a duplicate key
// ("<file>: <path>: duplicate key"; nlohmann would keep the last one silently).
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cdma::util {

struct JsonFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Far deeper than any file of the project (platforms nest 4 levels, networks 3).
inline constexpr int kMaxJsonDepth = 64;

inline nlohmann::json parse_json_text(const std::string& text, const std::string& source,
                                      int max_depth = kMaxJsonDepth) {
  using Json = nlohmann::json;
  struct Frame {
    bool is_object;
    std::string path;
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;
  std::string last_key;
  const auto join = [](const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  };
  auto track = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start: {
        if (depth >= max_depth) {
          throw JsonFileError(source + ": nesting deeper than " + std::to_string(max_depth) + " levels");
        }
        std::string path;
        if (!stack.empty()) {
          path = stack.back().is_object ? join(stack.back().path, last_key) : stack.back().path + "[]";
        }
        stack.push_back({event == Json::parse_event_t::object_start, std::move(path), {}});
        break;
      }
      case Json::parse_event_t::key:
        last_key = parsed.get<std::string>();
        if (!stack.back().keys.insert(last_key).second) {
          throw JsonFileError(source + ": " + join(stack.back().path, last_key) + ": duplicate key");
        }
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        stack.pop_back();
        break;
      case Json::parse_event_t::value:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text, track);
  } catch (const Json::parse_error& e) {
    // nlohmann words it "[json.exception.parse_error.101] parse error at line L, column C: <what>"; re-shape
    // it as file:line:column so editors can jump to it.
    static const std::regex kPosition(R"(line (\d+), column (\d+): (.*))");
    std::smatch m;
    const std::string what = e.what();
    if (std::regex_search(what, m, kPosition)) {
      throw JsonFileError(source + ":" + m[1].str() + ":" + m[2].str() + ": invalid JSON: " + m[3].str());
    }
    throw JsonFileError(source + ": invalid JSON at byte " + std::to_string(e.byte) + ": " + what);
  } catch (const Json::exception& e) {  // a number beyond a double, and the like
    // "[json.exception.out_of_range.406] number overflow parsing '1e400'": point at the number.
    static const std::regex kOverflow(R"(number overflow parsing '([^']*)')");
    std::smatch m;
    const std::string what = e.what();
    if (std::regex_search(what, m, kOverflow)) {
      const size_t at = text.find(m[1].str());
      std::string where;
      if (at != std::string::npos) {
        const size_t line_start = text.rfind('\n', at);
        const size_t line =
            1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
        const size_t column = line_start == std::string::npos ? at + 1 : at - line_start;
        where = ":" + std::to_string(line) + ":" + std::to_string(column);
      }
      throw JsonFileError(source + where + ": invalid JSON: the number " + m[1].str() +
                          " is beyond the range of a double");
    }
    throw JsonFileError(source + ": invalid JSON: " + what);
  }
}

inline std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw JsonFileError(path + ": cannot read: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw JsonFileError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw JsonFileError(path + ": read error: " + std::strerror(errno));
  return text.str();
}

inline nlohmann::json read_json_file(const std::string& path, int max_depth = kMaxJsonDepth) {
  return parse_json_text(read_text_file(path), path, max_depth);
}

}  // namespace cdma::util
