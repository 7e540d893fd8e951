// spdlog loggers named by SystemC hierarchy ("soc.gpu.mc0"), sharing one stderr sink and one level.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace cdma::tlmx {

std::shared_ptr<spdlog::logger> module_logger(const std::string& hierarchical_name);
// Applies to existing and future module loggers ("trace", "debug", "info", "warn", "error", "off").
void set_log_level(const std::string& level);

}  // namespace cdma::tlmx
