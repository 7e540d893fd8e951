#include "config/platform_config_json.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "config/platform_fields.h"
#include "util/did_you_mean.h"
#include "util/json_file.h"

namespace cdma::config {

namespace {

using Json = nlohmann::json;

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

[[noreturn]] void fail(const std::string& source, const std::string& path, const std::string& problem) {
  throw ConfigError(source + ": " + (path.empty() ? "" : path + ": ") + problem);
}

std::string suggestion(const std::string& key, const std::vector<std::string>& known) {
  return util::did_you_mean(key, known);
}

std::string describe(const Json& v) {
  return v.is_number() ? v.dump() : std::string(v.type_name());
}

// Which text supplied each JSON path: the file, or the last --set override whose path covers it.
class Sources {
 public:
  explicit Sources(std::string base) : base_(std::move(base)) {}

  void add_override(std::string path, std::string label) {
    overrides_.emplace_back(std::move(path), std::move(label));
  }

  const std::string& of(const std::string& path) const { return of_any({path}); }

  // For a cross-field rule every field involved is a suspect; the latest override among them is the likely
  // cause.
  const std::string& of_any(const std::vector<std::string>& paths) const {
    for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
      for (const std::string& p : paths) {
        if (covers(it->first, p)) return it->second;
      }
    }
    return base_;
  }

 private:
  static bool covers(const std::string& prefix, const std::string& path) {
    return path.compare(0, prefix.size(), prefix) == 0 &&
           (path.size() == prefix.size() || path[prefix.size()] == '.');
  }

  std::string base_;
  std::vector<std::pair<std::string, std::string>> overrides_;
};

void expect_object(const Json& j, const std::string& path, const Sources& sources) {
  if (!j.is_object()) fail(sources.of(path), path, std::string("expected an object, got ") + j.type_name());
}

// Reads the fields of one JSON object onto a struct; finish() then rejects every key no read asked for.
class ObjectReader {
 public:
  ObjectReader(const Json& j, std::string path, const Sources& sources)
      : j_(j), path_(std::move(path)), sources_(sources) {
    expect_object(j_, path_, sources_);
  }

  void field(const char* key, double& out) {
    if (const Json* v = find(key)) {
      if (!v->is_number()) fail_at(key, std::string("expected a number, got ") + v->type_name());
      out = v->get<double>();
    }
  }
  void field(const char* key, uint32_t& out) { unsigned_field(key, out); }
  void field(const char* key, uint64_t& out) { unsigned_field(key, out); }
  void field(const char* key, bool& out) {
    if (const Json* v = find(key)) {
      if (!v->is_boolean()) fail_at(key, std::string("expected true or false, got ") + describe(*v));
      out = v->get<bool>();
    }
  }
  void field(const char* key, std::string& out) {
    if (const Json* v = find(key)) {
      if (!v->is_string()) fail_at(key, std::string("expected a string, got ") + describe(*v));
      out = v->get<std::string>();
    }
  }

  template <typename E, size_t N>
  void field(const char* key, E& out, const util::EnumTable<E, N>& names) {
    if (const Json* v = find(key)) {
      if (!v->is_string()) fail_at(key, std::string("expected a string, got ") + describe(*v));
      const std::optional<E> e = names.find(v->get<std::string>());
      if (!e) fail_at(key, "must be " + names.list("\"") + ", got \"" + v->get<std::string>() + "\"");
      out = *e;
    }
  }

  // The object at `key`, or nullptr if the key is absent (its fields then keep their defaults).
  std::unique_ptr<ObjectReader> open(const char* key) {
    const Json* v = find(key);
    return v ? std::make_unique<ObjectReader>(*v, join(path_, key), sources_) : nullptr;
  }

  // What an unknown key is called, and what to append when nothing is close enough to suggest.
  void describe_unknown(std::string noun, std::string expected) {
    unknown_noun_ = std::move(noun);
    expected_ = std::move(expected);
  }

  void finish() const {
    for (const auto& item : j_.items()) {
      if (std::find(known_.begin(), known_.end(), item.key()) != known_.end()) continue;
      const std::string hint = suggestion(item.key(), known_);
      fail_at(item.key(), "unknown " + unknown_noun_ + (hint.empty() ? expected_ : hint));
    }
  }

 private:
  const Json* find(const char* key) {
    known_.emplace_back(key);
    const auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }

  [[noreturn]] void fail_at(const std::string& key, const std::string& problem) const {
    const std::string path = join(path_, key);
    fail(sources_.of(path), path, problem);
  }

  // Integral floats (8.0, 1e3) are accepted; a fraction or a sign is a type error, not a silent truncation.
  template <class T>
  void unsigned_field(const char* key, T& out) {
    const Json* v = find(key);
    if (!v) return;
    const auto max = std::numeric_limits<T>::max();
    const std::string range = "out of range (max " + std::to_string(max) + "), got " + describe(*v);
    if (v->is_number_unsigned()) {
      const uint64_t u = v->get<uint64_t>();
      if (u > max) fail_at(key, range);
      out = static_cast<T>(u);
    } else if (v->is_number_integer()) {
      const int64_t i = v->get<int64_t>();
      if (i < 0) fail_at(key, "expected a non-negative integer, got " + describe(*v));
      if (static_cast<uint64_t>(i) > max) fail_at(key, range);
      out = static_cast<T>(i);
    } else if (v->is_number_float()) {
      const double d = v->get<double>();
      if (!(d == std::floor(d))) fail_at(key, "expected an integer, got " + describe(*v));
      if (d < 0) fail_at(key, "expected a non-negative integer, got " + describe(*v));
      // 2^64 itself does not fit; every double below it that is integral does.
      if (d >= 18446744073709551616.0 || d > static_cast<double>(max)) fail_at(key, range);
      out = static_cast<T>(d);
    } else {
      fail_at(key, std::string("expected an integer, got ") + v->type_name());
    }
  }

  const Json& j_;
  std::string path_;
  const Sources& sources_;
  std::vector<std::string> known_;
  std::string unknown_noun_ = "field";
  std::string expected_;
};

// Reads the fields of platform_fields.h from JSON onto a config (the defaults stay where a key is absent).
class Parser {
 public:
  Parser(const Json& j, const Sources& sources) {
    stack_.push_back(std::make_unique<ObjectReader>(j, "", sources));
  }

  template <typename T, typename Rule>
  void field(const char* key, T& out, const char*, const Rule&, const char*) {
    if (ObjectReader* r = stack_.back().get()) r->field(key, out);
  }
  template <typename E, size_t N>
  void field(const char* key, E& out, const char*, const util::EnumTable<E, N>& names, const char*) {
    if (ObjectReader* r = stack_.back().get()) r->field(key, out, names);
  }
  template <typename Body>
  void section(const char* key, const char*, Body&& body) {
    ObjectReader* parent = stack_.back().get();
    stack_.push_back(parent ? parent->open(key) : nullptr);
    body();
    if (stack_.back()) stack_.back()->finish();
    stack_.pop_back();
  }
  template <typename Names, typename Body>
  void keyed_section(const char* key, const char* noun, const Names& names, Body&& body) {
    section(key, "", [&] {
      if (stack_.back()) stack_.back()->describe_unknown(noun, " (expected " + names.list() + ")");
      body();
    });
  }
  void finish() { stack_.front()->finish(); }

 private:
  std::vector<std::unique_ptr<ObjectReader>> stack_;  // nullptr: a section the JSON does not have
};

// Writes the fields of platform_fields.h as JSON.
class Writer {
 public:
  Json take() { return std::move(stack_.front()); }

  template <typename T, typename Rule>
  void field(const char* key, const T& value, const char*, const Rule&, const char*) {
    stack_.back()[key] = value;
  }
  template <typename E, size_t N>
  void field(const char* key, const E& value, const char*, const util::EnumTable<E, N>& names, const char*) {
    stack_.back()[key] = names.name(value);
  }
  template <typename Body>
  void section(const char* key, const char*, Body&& body) {
    stack_.push_back(Json::object());
    body();
    Json done = std::move(stack_.back());
    stack_.pop_back();
    stack_.back()[key] = std::move(done);
  }
  template <typename Names, typename Body>
  void keyed_section(const char* key, const char*, const Names&, Body&& body) {
    section(key, "", body);
  }

 private:
  std::vector<Json> stack_{Json::object()};
};

PlatformConfig parse(const Json& j, const Sources& sources) {
  PlatformConfig c;
  Parser parser(j, sources);
  visit_platform(parser, c);
  parser.finish();

  const std::vector<ConfigIssue> issues = find_issues(c);
  if (!issues.empty()) {
    const ConfigIssue& issue = issues.front();
    std::vector<std::string> involved = issue.related;
    involved.push_back(issue.path);
    fail(sources.of_any(involved), issue.path, issue.problem);
  }
  return c;
}

// A file's JSON: syntax, nesting, numbers and duplicate keys checked (util/json_file.h).
Json read_json(const std::string& path) {
  try {
    return util::read_json_file(path);
  } catch (const util::JsonFileError& e) {
    throw ConfigError(e.what());
  }
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::vector<std::string> keys_of(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

// The sections keyed by an enum's names (platform_fields.h): path -> (what a key is, " (expected ...)").
class KeyedSectionFinder : public PathVisitor {
 public:
  std::map<std::string, std::pair<std::string, std::string>> found;

  template <typename T, typename Rule>
  void field(const char*, const T&, const char*, const Rule&, const char*) {}
  template <typename Names, typename Body>
  void keyed_section(const char* key, const char* noun, const Names& names, Body&& body) {
    found[path(key)] = {noun, " (expected " + names.list() + ")"};
    PathVisitor::keyed_section(key, noun, names, body);
  }
};

const std::map<std::string, std::pair<std::string, std::string>>& keyed_sections() {
  static const auto found = [] {
    KeyedSectionFinder f;
    visit_platform(f, static_cast<const PlatformConfig&>(PlatformConfig{}));
    return f.found;
  }();
  return found;
}

// Applies one "path=value" onto the file's JSON. The path is checked against the complete default config, so
// a typo fails here naming the override instead of later as an unknown key of the file.
void apply_override(Json& doc, const std::string& text, const Json& schema, Sources& sources) {
  const std::string label = "--set " + text;
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(label + ": expected path=value, e.g. gpu.dram.channels=8");
  }
  const std::string path = text.substr(0, eq);
  const std::string value_text = text.substr(eq + 1);
  const std::vector<std::string> parts = split_path(path);

  const Json* s = &schema;
  std::string walked;
  for (const std::string& part : parts) {
    const std::string here = join(walked, part);
    if (part.empty()) fail(label, path, "empty path component");
    if (!s->is_object()) fail(label, here, "unknown field (" + walked + " has no fields)");
    const auto it = s->find(part);
    if (it == s->end()) {
      // Same wording as the file parser, also for a section keyed by an enum's names.
      const std::string hint = suggestion(part, keys_of(*s));
      const auto keyed = keyed_sections().find(walked);
      if (keyed != keyed_sections().end()) {
        fail(label, here, "unknown " + keyed->second.first + (hint.empty() ? keyed->second.second : hint));
      }
      fail(label, here, "unknown field" + hint);
    }
    s = &*it;
    walked = here;
  }

  Json value = Json::parse(value_text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = value_text;

  Json* d = &doc;
  walked.clear();
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    expect_object(*d, walked, sources);
    walked = join(walked, parts[i]);
    auto it = d->find(parts[i]);
    if (it == d->end()) it = d->emplace(parts[i], Json::object()).first;
    d = &*it;
  }
  expect_object(*d, walked, sources);
  Json& target = (*d)[parts.back()];
  // Setting a section merges into it, so "gpu.dram={\"channels\":8}" keeps the file's other dram fields.
  if (target.is_object() && value.is_object()) {
    target.update(value, /*merge_objects=*/true);
  } else {
    target = std::move(value);
  }
  sources.add_override(path, label);
}

}  // namespace

Json to_json(const PlatformConfig& c) {
  Writer w;
  visit_platform(w, c);
  return w.take();
}

PlatformConfig from_json(const Json& j, const std::string& source) {
  return parse(j, Sources(source));
}

namespace {

// Every leaf path of a JSON object ("gpu.dram.channels"), in order.
void leaf_paths(const Json& j, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& [key, value] : j.items()) {
    const std::string path = join(prefix, key);
    if (value.is_object()) {
      leaf_paths(value, path, out);
    } else {
      out.push_back(path);
    }
  }
}

// A platform file with its bases applied: the base's JSON (itself possibly derived) with the file's keys
// merged onto it, objects into objects. `layers` gets each file from the deepest base to `path`, with the
// leaf paths it sets, so an error can name the file that supplied a value.
Json read_layered(const std::string& path, const std::string& platforms_dir, std::vector<std::string>& chain,
                  std::vector<std::pair<std::string, std::vector<std::string>>>& layers) {
  Json doc = read_json(path);
  if (!doc.is_object()) fail(path, "", std::string("expected an object, got ") + doc.type_name());
  chain.push_back(path);
  Json merged;
  const bool derived = doc.contains("base");
  if (derived) {
    const Json& base = doc.at("base");
    if (!base.is_string())
      fail(path, "base", std::string("expected a platform name, got ") + base.type_name());
    const std::string name = base.get<std::string>();
    // Next to the file first (a folder of related platforms), then the shipped ones.
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path beside = fs::path(path).parent_path() / name;
    std::string base_path;
    if (fs::is_regular_file(beside, ec)) {
      base_path = beside.string();
    } else if (fs::is_regular_file(beside.string() + ".json", ec)) {
      base_path = beside.string() + ".json";
    } else {
      try {
        base_path = resolve_platform_path(name, platforms_dir.empty() ? "." : platforms_dir);
      } catch (const ConfigError& e) {
        fail(path, "base", e.what());
      }
    }
    for (const std::string& seen : chain) {
      if (std::filesystem::equivalent(seen, base_path))
        fail(path, "base", "'" + name + "' is based on this file");
    }
    merged = read_layered(base_path, platforms_dir, chain, layers);
    if (!doc.contains("name"))
      fail(path, "name", "missing (a file with a base names the platform it describes)");
    doc.erase("base");
    merged.update(doc, /*merge_objects=*/true);
  } else {
    // Without a base every field must be given: a default would be the Titan X's, silently.
    std::vector<std::string> given, missing;
    leaf_paths(doc, "", given);
    std::vector<std::string> all;
    leaf_paths(to_json(PlatformConfig{}), "", all);
    for (const std::string& f : all) {
      if (f == "description" || std::find(given.begin(), given.end(), f) != given.end()) continue;
      // A section given as something else than an object is the parser's to report, with its type.
      const Json* at = &doc;
      bool blocked = false;
      for (const std::string& part : split_path(f)) {
        const auto it = at->find(part);
        if (it == at->end()) break;
        if (!it->is_object()) {
          blocked = true;
          break;
        }
        at = &*it;
      }
      if (!blocked) missing.push_back(f);
    }
    if (!missing.empty()) {
      std::string list;
      for (size_t i = 0; i < missing.size() && i < 8; ++i) list += (i ? ", " : "") + missing[i];
      if (missing.size() > 8) list += " and " + std::to_string(missing.size() - 8) + " more";
      fail(path, "",
           "missing " + std::to_string(missing.size()) + " field(s): " + list +
               " (give every field, or \"base\": \"<platform>\" to start from one)");
    }
    merged = std::move(doc);
  }
  std::vector<std::string> set;
  leaf_paths(derived ? doc : merged, "", set);
  layers.emplace_back(path, std::move(set));
  chain.pop_back();
  return merged;
}

}  // namespace

PlatformConfig load_platform(const std::string& path, const std::vector<std::string>& overrides,
                             const std::string& platforms_dir) {
  std::vector<std::string> chain;
  std::vector<std::pair<std::string, std::vector<std::string>>> layers;
  Json doc = read_layered(path, platforms_dir, chain, layers);
  // The deepest base supplied everything a derived file did not; each derived file, what it set.
  Sources sources(layers.front().first);
  for (size_t i = 1; i < layers.size(); ++i) {
    for (const std::string& leaf : layers[i].second) sources.add_override(leaf, layers[i].first);
  }
  if (!overrides.empty()) {
    const Json schema = to_json(PlatformConfig{});
    for (const std::string& o : overrides) apply_override(doc, o, schema, sources);
  }
  return parse(doc, sources);
}

std::string resolve_platform_path(const std::string& name_or_path, const std::string& platforms_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  // Only a bare name is looked up, so a mistyped path is reported as such rather than searched for.
  const bool bare = !name_or_path.empty() && name_or_path.find('/') == std::string::npos;
  std::string file = name_or_path;
  if (fs::path(file).extension() != ".json") file += ".json";
  const std::string candidate = (fs::path(platforms_dir) / file).string();
  if (bare && fs::is_regular_file(candidate, ec)) return candidate;
  std::vector<std::string> names;
  for (fs::directory_iterator it(platforms_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") names.push_back(it->path().stem().string());
  }
  std::sort(names.begin(), names.end());
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  throw ConfigError("platform '" + name_or_path + "': no such file" +
                    (bare ? ", and no " + candidate : std::string()) +
                    " (available: " + (list.empty() ? "none" : list) + ")");
}

}  // namespace cdma::config
