// Runs one of the project's Python tools (sim/tools/*.py) from a program, for the outputs a person would
// rather look at (plots). The interpreter is Debian's /usr/bin/python3 unless CDMA_PYTHON names another; what
// the tool needs is checked before any simulation, so a missing module is reported at once, not after the
// run.
#pragma once

#include <string>
#include <vector>

namespace cdma::runner {

class PythonTool {
 public:
  // `script`: the tool's path; `flag`: the option that asked for it (named in errors).
  PythonTool(std::string script, std::string flag);
  // Throws std::invalid_argument naming the flag if the interpreter or the script is missing, or `module`
  // cannot be imported.
  void check(const std::string& module) const;
  // Runs the script with `args` (no shell); throws std::runtime_error naming the flag if it fails.
  void run(const std::vector<std::string>& args) const;
  const std::string& python() const { return python_; }

 private:
  int spawn(const std::vector<std::string>& argv, bool quiet) const;
  std::string python_, script_, flag_;
};

}  // namespace cdma::runner
