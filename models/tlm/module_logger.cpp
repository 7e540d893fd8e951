#include "tlm/module_logger.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <stdexcept>

namespace cdma::tlmx {

namespace {
spdlog::level::level_enum& current_level() {
  static spdlog::level::level_enum level = spdlog::level::warn;
  return level;
}
}  // namespace

std::shared_ptr<spdlog::logger> module_logger(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(name, sink);
  logger->set_level(current_level());
  spdlog::register_logger(logger);
  return logger;
}

void set_log_level(const std::string& level) {
  const auto l = spdlog::level::from_str(level);
  if (l == spdlog::level::off && level != "off")
    throw std::invalid_argument("unknown log level '" + level + "'");
  current_level() = l;
  spdlog::apply_all([l](const std::shared_ptr<spdlog::logger>& lg) { lg->set_level(l); });
}

}  // namespace cdma::tlmx
