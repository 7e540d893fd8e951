#include "isolated_run.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace cdma::sim {

nlohmann::json run_isolated(const config::PlatformConfig& cfg, const TransferRequest& request) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe() failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    try {
      const TransferResult r = run_transfer(cfg, request);
      nlohmann::json j = r.stats;
      j["ok"] = r.ok;
      j["bytes_identical"] = r.bytes_identical;
      j["error"] = r.error;
      out = j.dump();
    } catch (const std::exception& e) {
      out =
          nlohmann::json{
              {"ok", false}, {"bytes_identical", false}, {"error", std::string("exception: ") + e.what()}}
              .dump();
    }
    for (size_t off = 0; off < out.size();) {
      const ssize_t w = write(fds[1], out.data() + off, out.size() - off);
      if (w <= 0) _exit(2);
      off += static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(0);  // skip static destructors of the SystemC kernel copied from the parent
  }
  close(fds[1]);
  std::string in;
  char buf[65536];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) in.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || in.empty()) {
    throw std::runtime_error("simulation child process failed (status " + std::to_string(status) + ")");
  }
  return nlohmann::json::parse(in);
}

}  // namespace cdma::sim
