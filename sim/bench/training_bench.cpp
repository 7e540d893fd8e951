// Speed and memory of a full training-iteration simulation: `cdma-sim train` on VGG-16 (default batch 128,
// ~7.7 GB of offloaded activations carried as real bytes), timed against memcpy of the same bytes in the same
// run, with the simulator's peak resident memory. The simulator moves each activation through the platform
// offloaded and prefetched with cDMA, and the vDNN pieces it simulates (one per size; the rest reuse their
// timing) uncompressed; comparisons with memcpy of the activations and of all the bytes moved are printed.
// Both are timed `--rounds` times, alternating, because either can take 20 % longer on a shared machine
// from one second to the next: the table gives each one's fastest, median and slowest time, and the ratio of
// every round's pair. `--baseline PATH` also times another cdma-sim build (an older commit's, say) in the same
// rounds, so a change's cost is measured side by side on the same machine at the same moment.
//   training_bench [--batch N] [--network NAME] [--algorithm zv] [--jobs N] [--rounds 5] [--baseline CDMA_SIM]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs the simulator once; returns its wall time, or a negative number if it failed.
double time_simulator(std::vector<std::string> args) {
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::fflush(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    if (!freopen("/dev/null", "w", stdout)) _exit(126);
    execv(cargs[0], cargs.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const double s = seconds_since(t0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "training_bench: cdma-sim failed (status %d)\n", status);
    return -1;
  }
  return s;
}

// memcpy of `bytes` through buffers larger than any cache.
double time_memcpy(std::vector<char>& from, std::vector<char>& to, double bytes) {
  const auto t0 = std::chrono::steady_clock::now();
  for (double done = 0; done < bytes; done += static_cast<double>(from.size())) {
    std::memcpy(to.data(), from.data(), static_cast<size_t>(std::min<double>(from.size(), bytes - done)));
  }
  return seconds_since(t0);
}

struct Spread {
  double min, median, max;
};

Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return {v.front(), n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  std::string batch = "128", network = "vgg16", algorithm = "zv", jobs, baseline;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--batch")) batch = argv[i + 1];
    if (!std::strcmp(argv[i], "--network")) network = argv[i + 1];
    if (!std::strcmp(argv[i], "--algorithm")) algorithm = argv[i + 1];
    if (!std::strcmp(argv[i], "--jobs")) jobs = argv[i + 1];
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--baseline")) baseline = argv[i + 1];
  }
  const std::string out = "out/training_bench";
  std::vector<std::string> args = {CDMA_SIM_TOOL, "train",       "--network", network, "--batch",
                                   batch,         "--algorithm", algorithm,   "--out", out};
  if (!jobs.empty()) args.insert(args.end(), {"--jobs", jobs});

  std::vector<std::string> baseline_args = args;
  baseline_args[0] = baseline;
  *(std::find(baseline_args.begin(), baseline_args.end(), "--out") + 1) = out + "_baseline";
  std::vector<double> sim_s, memcpy_s, ratio, baseline_s;
  nlohmann::json summary;
  std::vector<char> from, to;
  for (int round = 0; round < rounds; ++round) {
    const double s = time_simulator(args);
    if (s < 0) return 1;
    if (round == 0) {  // the report is the same every round
      std::ifstream f(out + "/report.json");
      summary = nlohmann::json::parse(f)["summary"];
      const size_t piece = size_t{256} << 20;
      from.assign(piece, 1);
      to.assign(piece, 0);
    }
    sim_s.push_back(s);
    if (!baseline.empty()) {
      const double b = time_simulator(baseline_args);
      if (b < 0) return 1;
      baseline_s.push_back(b);
    }
    memcpy_s.push_back(time_memcpy(from, to, summary["offloaded_bytes"].get<double>()));
    ratio.push_back(sim_s.back() / memcpy_s.back());
  }
  const double activations = summary["offloaded_bytes"].get<double>();
  const double moved = summary["bytes_moved"].get<double>();
  // The simulator's own figure: with several jobs, the sum of every process's peak.
  const double rss = summary["peak_rss_bytes"].get<double>();
  const Spread m = spread(memcpy_s), s = spread(sim_s), r = spread(ratio);

  std::printf("%s, batch %s, cDMA-%s: %.2f GB of offloaded activations, %d round%s (simulator then memcpy)\n",
              network.c_str(), batch.c_str(), algorithm.c_str(), activations / 1e9, rounds,
              rounds == 1 ? "" : "s");
  std::printf(
      "| what | wall s: fastest / median / slowest | x memcpy of the activations | x memcpy of all bytes "
      "moved "
      "(%.2f GB) |\n|---|---|---|---|\n",
      moved / 1e9);
  std::printf("| memcpy of the activations | %.3f / %.3f / %.3f | 1.0 | - |\n", m.min, m.median, m.max);
  std::printf(
      "| cdma-sim train (vDNN + cDMA, offload + prefetch, checked) | %.2f / %.2f / %.2f | %.2f (medians) | "
      "%.2f "
      "(medians) |\n",
      s.min, s.median, s.max, s.median / m.median, s.median / (m.median * moved / activations));
  if (!baseline.empty()) {
    const Spread b = spread(baseline_s);
    std::printf("| baseline %s | %.2f / %.2f / %.2f | %.2f (medians) | %.2f (medians) |\n", baseline.c_str(), b.min,
                b.median, b.max, b.median / m.median, b.median / (m.median * moved / activations));
    std::printf("\nround by round, simulator / baseline:");
    for (size_t i = 0; i < sim_s.size(); ++i) std::printf(" %.3f", sim_s[i] / baseline_s[i]);
    std::printf("\n");
  }
  std::printf("\nround by round, simulator / memcpy:");
  for (double x : ratio) std::printf(" %.2f", x);
  std::printf(" (lowest %.2f, median %.2f, highest %.2f)\n", r.min, r.median, r.max);
  std::printf("peak resident memory of cdma-sim (%d job%s): %.2f GB (%.0f %% of the activations)\n",
              summary["jobs"].get<int>(), summary["jobs"].get<int>() == 1 ? "" : "s, summed", rss / 1e9,
              100.0 * rss / activations);
  return 0;
}
