#include "runner/output_dir.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace cdma::runner {

namespace fs = std::filesystem;

void prepare_output_dir(const std::string& dir, const std::string& flag) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw std::invalid_argument(flag + " " + dir + ": cannot write: not a folder");
  }
  fs::create_directories(dir, ec);
  if (ec) throw std::invalid_argument(flag + " " + dir + ": cannot write: " + ec.message());
  const fs::path probe = fs::path(dir) / ".cdma_write_probe";
  {
    std::ofstream f(probe);
    if (!f) throw std::invalid_argument(flag + " " + dir + ": cannot write: " + std::strerror(errno));
  }
  fs::remove(probe, ec);
}

std::string prepare_output_file(const std::string& path, const std::string& flag) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw std::invalid_argument(flag + " " + path + ": cannot write: is a folder");
  const bool existed = fs::exists(path, ec);
  {
    std::ofstream f(path, std::ios::app);
    if (!f) throw std::invalid_argument(flag + " " + path + ": cannot write: " + std::strerror(errno));
  }
  if (!existed) fs::remove(path, ec);
  return path;
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.flush();
  if (!f) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
}

}  // namespace cdma::runner
