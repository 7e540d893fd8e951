#include "runner/isolated_run.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace cdma::runner {

namespace {

void write_all(int fd, const std::string& s) {
  for (size_t off = 0; off < s.size();) {
    const ssize_t w = write(fd, s.data() + off, s.size() - off);
    if (w <= 0) _exit(2);
    off += static_cast<size_t>(w);
  }
}

}  // namespace

std::vector<std::string> run_in_children(const std::vector<std::function<std::string()>>& jobs) {
  std::vector<pid_t> pids;
  std::vector<int> pipes;
  std::fflush(nullptr);
  for (const auto& job : jobs) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe() failed");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork() failed");
    if (pid == 0) {
      close(fds[0]);
      for (int fd : pipes) close(fd);  // siblings' pipes, inherited
      std::string out;
      try {
        out = job();
      } catch (const std::exception& e) {
        out = std::string("error: ") + e.what();
      }
      write_all(fds[1], out);
      close(fds[1]);
      _exit(0);  // skip static destructors of the SystemC kernel copied from the parent
    }
    close(fds[1]);
    pids.push_back(pid);
    pipes.push_back(fds[0]);
  }
  // Children never wait on each other, so reading the pipes one after the other cannot deadlock.
  std::vector<std::string> results(jobs.size());
  bool failed = false;
  int failed_status = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    char buf[65536];
    for (ssize_t n; (n = read(pipes[i], buf, sizeof buf)) > 0;)
      results[i].append(buf, static_cast<size_t>(n));
    close(pipes[i]);
    int status = 0;
    waitpid(pids[i], &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || results[i].empty()) {
      failed = true;
      failed_status = status;
    }
  }
  if (failed) {
    throw std::runtime_error("simulation child process failed (status " + std::to_string(failed_status) +
                             ")");
  }
  return results;
}

uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

nlohmann::json run_isolated(const config::PlatformConfig& cfg, const TransferRequest& request) {
  const std::string out = run_in_children({[&] {
    nlohmann::json j;
    try {
      const TransferResult r = run_transfer(cfg, request);
      j = r.stats;
      j["ok"] = r.ok;
      j["bytes_identical"] = r.bytes_identical;
      j["error"] = r.error;
    } catch (const std::exception& e) {
      j = {{"ok", false}, {"bytes_identical", false}, {"error", std::string("exception: ") + e.what()}};
    }
    return j.dump();
  }})[0];
  return nlohmann::json::parse(out);
}

}  // namespace cdma::runner
