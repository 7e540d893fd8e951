#include "runner/python_tool.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace cdma::runner {

namespace {

// Debian's interpreter: the one the project's packages (python3-matplotlib, ...) install into.
constexpr const char* kDefaultPython = "/usr/bin/python3";

}  // namespace

PythonTool::PythonTool(std::string script, std::string flag)
    : script_(std::move(script)), flag_(std::move(flag)) {
  const char* env = std::getenv("CDMA_PYTHON");
  python_ = env && *env ? env : kDefaultPython;
}

int PythonTool::spawn(const std::vector<std::string>& argv, bool quiet) const {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (quiet) {
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
      }
    }
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void PythonTool::check(const std::string& module) const {
  if (access(python_.c_str(), X_OK) != 0) {
    throw std::invalid_argument(flag_ + ": no Python interpreter at " + python_ +
                                " (install python3, or set CDMA_PYTHON)");
  }
  if (!std::filesystem::is_regular_file(script_))
    throw std::invalid_argument(flag_ + ": " + script_ + ": not found");
  if (spawn({python_, "-c", "import " + module}, true) != 0) {
    throw std::invalid_argument(flag_ + ": " + python_ + " cannot import " + module +
                                " (Debian: apt install python3-" + module + ")");
  }
}

void PythonTool::run(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {python_, script_};
  argv.insert(argv.end(), args.begin(), args.end());
  const int code = spawn(argv, false);
  if (code != 0) {
    throw std::runtime_error(flag_ + ": " + script_ + " failed (exit " + std::to_string(code) + ")");
  }
}

}  // namespace cdma::runner
