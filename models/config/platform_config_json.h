// JSON <-> PlatformConfig. The object layout mirrors the structs exactly: keys are the field names, sections
// are nested objects ("gpu": {"dram": {...}}). Parsing is strict so a typo in a platform file cannot silently
// leave a default in place. Every error is a ConfigError "<source>: <json.path>: <problem>", where <source>
// is the file or the "--set path=value" override that supplied the value.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/platform_config.h"

namespace cdma::config {

// Complete, every field: the "effective config" written next to results.
nlohmann::json to_json(const PlatformConfig& config);

// Parses `j` onto the defaults (a file may give a subset, including a subset of bytes_per_cycle) and
// validates. Unknown keys (with a "did you mean" for near misses), wrong types (string for a number, negative
// or fractional for an unsigned integer) and out-of-range values throw ConfigError, e.g. "platforms/x.json:
// gpu.dram.bandwidth_gbps: expected a number, got string".
PlatformConfig from_json(const nlohmann::json& j, const std::string& source);

// Reads a JSON file (syntax errors report "<file>:<line>:<column>", duplicate keys are errors), applies
// `overrides` of the form "path=value" in order, then parses and validates. A file either gives every field
// (the description may be left out) or names a platform to start from, `"base": "a100"`, and gives only what
// differs (and its own name); the base is looked up next to the file, then in `platforms_dir`, and may itself
// have a base. A partial file without a base is refused, naming the missing fields. Errors name the file that
// supplied the value (the derived file, its base, or the override). The path is dot-separated
// ("gpu.dram.channels", "gpu.compression.bytes_per_cycle.zv"); the value is parsed as a JSON literal and, if
// that fails, taken as a string ("simulation.mode=lt"). Errors caused by an override name it:
// "--set gpu.dram.chanels=8: gpu.dram.chanels: unknown field (did you mean 'channels'?)".
PlatformConfig load_platform(const std::string& path, const std::vector<std::string>& overrides = {},
                             const std::string& platforms_dir = "");

// An existing file path is returned as is; otherwise a bare name is looked up as <platforms_dir>/<name>.json.
// Throws ConfigError listing the available platforms if neither exists.
std::string resolve_platform_path(const std::string& name_or_path, const std::string& platforms_dir);

}  // namespace cdma::config
