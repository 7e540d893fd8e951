// Speed and memory of a full training-iteration simulation: `cdma-sim train` on VGG-16 (default batch 128,
// ~7.7 GB of offloaded activations carried as real bytes), timed against memcpy of the same bytes in the same
// run, with the simulator's peak resident memory. The simulator moves each activation through the platform
// offloaded and prefetched with cDMA, and the vDNN pieces it simulates (one per size; the rest reuse their
// timing) uncompressed; comparisons with memcpy of the activations and of all the bytes moved are printed.
//   training_bench [--batch N] [--network NAME] [--algorithm zv] [--jobs N]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  std::string batch = "128", network = "vgg16", algorithm = "zv", jobs;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--batch")) batch = argv[i + 1];
    if (!std::strcmp(argv[i], "--network")) network = argv[i + 1];
    if (!std::strcmp(argv[i], "--algorithm")) algorithm = argv[i + 1];
    if (!std::strcmp(argv[i], "--jobs")) jobs = argv[i + 1];
  }
  const std::string out = "out/training_bench";
  std::vector<std::string> args = {CDMA_SIM_TOOL, "train",       "--network", network, "--batch",
                                   batch,         "--algorithm", algorithm,   "--out", out};
  if (!jobs.empty()) args.insert(args.end(), {"--jobs", jobs});
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
  const double sim_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "training_bench: cdma-sim failed (status %d)\n", status);
    return 1;
  }
  std::ifstream f(out + "/report.json");
  const nlohmann::json s = nlohmann::json::parse(f)["summary"];
  const double activations = s["offloaded_bytes"].get<double>();
  const double moved = s["bytes_moved"].get<double>();
  // The simulator's own figure: with several jobs, the sum of every process's peak.
  const double rss = s["peak_rss_bytes"].get<double>();

  // memcpy of the same bytes, through 256 MiB buffers (larger than any cache).
  const size_t piece = size_t{256} << 20;
  std::vector<char> a(piece, 1), b(piece);
  const auto m0 = std::chrono::steady_clock::now();
  for (double done = 0; done < activations; done += piece) {
    std::memcpy(b.data(), a.data(), static_cast<size_t>(std::min<double>(piece, activations - done)));
  }
  const double memcpy_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - m0).count();
  std::printf("%s, batch %s, cDMA-%s: %.2f GB of offloaded activations\n", network.c_str(), batch.c_str(),
              algorithm.c_str(), activations / 1e9);
  std::printf(
      "| what | wall s | x memcpy of the activations | x memcpy of all bytes moved (%.2f GB) "
      "|\n|---|---|---|---|\n",
      moved / 1e9);
  std::printf("| memcpy of the activations | %.3f | 1.0 | - |\n", memcpy_s);
  std::printf("| cdma-sim train (vDNN + cDMA, offload + prefetch, checked) | %.2f | %.1f | %.1f |\n", sim_s,
              sim_s / memcpy_s, sim_s / (memcpy_s * moved / activations));
  std::printf("\npeak resident memory of cdma-sim (%d job%s): %.2f GB (%.0f %% of the activations)\n",
              s["jobs"].get<int>(), s["jobs"].get<int>() == 1 ? "" : "s, summed", rss / 1e9,
              100.0 * rss / activations);
  return 0;
}
