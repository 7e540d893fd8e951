#include "config/platform_config_doc.h"

#include <string>
#include <vector>

#include "config/platform_fields.h"

namespace cdma::config {

namespace {

std::string default_text(const std::string& v) {
  return "`\"" + v + "\"`";
}
std::string default_text(bool v) {
  return v ? "true" : "false";
}
std::string default_text(double v) {
  return rule::fmt(v);
}
std::string default_text(uint64_t v) {
  std::string s = rule::fmt(v);
  if (v >= (1ull << 30) && v % (1ull << 30) == 0) return s + " (" + rule::fmt(v >> 30) + " GiB)";
  if (v >= (1ull << 20) && v % (1ull << 20) == 0) return s + " (" + rule::fmt(v >> 20) + " MiB)";
  return s;
}
std::string default_text(uint32_t v) {
  return default_text(uint64_t{v});
}

class Documenter {
 public:
  std::string take() {
    std::string out;
    for (const Table& t : tables_) {
      if (t.rows.empty()) continue;
      out +=
          "\n### " + t.heading + "\n\n| field | unit | default | valid | meaning |\n|---|---|---|---|---|\n";
      for (const std::string& r : t.rows) out += r;
    }
    return out.substr(1);
  }

  template <typename T, typename Rule>
  void field(const char* key, const T& value, const char* unit, const Rule& r, const char* meaning) {
    row(key, unit, default_text(value), r.text(), meaning);
  }
  template <typename E, size_t N>
  void field(const char* key, const E& value, const char* unit, const util::EnumTable<E, N>& names,
             const char* meaning) {
    row(key, unit, default_text(std::string(names.name(value))), names.list("\""), meaning);
  }
  template <typename Body>
  void section(const char* key, const char* title, Body&& body) {
    const std::string path = path_.empty() ? key : path_ + "." + key;
    tables_.push_back({"`" + path + "`" + (*title ? std::string(" (") + title + ")" : ""), {}});
    const size_t table = tables_.size() - 1;
    const std::string saved_path = path_, saved_prefix = prefix_;
    const size_t saved_table = current_;
    path_ = path;
    prefix_.clear();
    current_ = table;
    body();
    path_ = saved_path;
    prefix_ = saved_prefix;
    current_ = saved_table;
  }
  // Inline in the enclosing table, the keys prefixed ("bytes_per_cycle.zv").
  template <typename Names, typename Body>
  void keyed_section(const char* key, const char*, const Names&, Body&& body) {
    const std::string saved_path = path_, saved_prefix = prefix_;
    path_ += std::string(".") + key;
    prefix_ += std::string(key) + ".";
    body();
    path_ = saved_path;
    prefix_ = saved_prefix;
  }

 private:
  struct Table {
    std::string heading;
    std::vector<std::string> rows;
  };

  void row(const char* key, const char* unit, const std::string& value, std::string valid,
           const char* meaning) {
    const std::string path = path_.empty() ? key : path_ + "." + key;
    for (const CrossRule& c : cross_rules()) {
      if (c.path == path) valid = valid == "any" ? c.text : valid + ", " + c.text;
    }
    tables_[current_].rows.push_back("| `" + prefix_ + key + "` | " + unit + " | " + value + " | " + valid +
                                     " | " + meaning + " |\n");
  }

  std::vector<Table> tables_{{"Top level", {}}};
  size_t current_ = 0;
  std::string path_, prefix_;
};

}  // namespace

std::string field_tables_markdown() {
  const PlatformConfig defaults;
  Documenter d;
  visit_platform(d, defaults);
  return d.take();
}

}  // namespace cdma::config
