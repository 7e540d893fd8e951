#!/usr/bin/env bash
# One entry point for users and CI. Every command first installs missing Debian packages (apt-get, as root or
# through sudo; skipped when all are present), then configures and builds incrementally.
#   ./cdma.sh run     build and run the main job (prints its report)
#   ./cdma.sh test    build and run the whole test suite (what .ci/run does)
#   ./cdma.sh asan    build with AddressSanitizer + UndefinedBehaviorSanitizer and run the tests
#   ./cdma.sh bench   run the codec benchmark and print the summary table (docs/performance.md)
#   ./cdma.sh deps    only install the packages
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libsystemc-dev verilator yosys
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  zlib1g-dev liblz4-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format
  python3 python3-numpy python3-matplotlib python3-torch python3-torchvision dataset-fashion-mnist
  python3-distributed sqlite3 python3-xgboost python3-sklearn python3-scipy
)
JOBS=$(nproc 2>/dev/null || echo 2)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "cdma.sh: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  local preset=$1
  [ -f "build/$preset/build.ninja" ] || cmake --preset "$preset"
  cmake --build --preset "$preset" -j "$JOBS"
}

main_job() {
  # The main job: one VGG-16 training iteration (batch 64) on the paper's baseline platform (Titan X Maxwell,
  # PCIe gen3 x16): oracle vs vDNN vs cDMA-ZV, every offloaded activation moved as real bytes through the
  # platform model and checked; then the plots. Outputs in out/train (report, CSV, Perfetto timeline, PNGs).
  build/release/bin/cdma-sim --platform titan-x train --network vgg16 --batch 64 --algorithm zv \
    --out out/train --plots
}

case "${1:-}" in
  deps) deps ;;
  run) deps; build release; main_job ;;
  test) deps; build release; ctest --preset release -j "$JOBS" ;;
  asan) deps; build asan; ctest --preset asan -j "$JOBS" ;;
  bench)
    deps; build release
    mkdir -p out
    build/release/bin/codec_bench --benchmark_out=out/codec_bench.json --benchmark_out_format=json \
      --benchmark_min_time=0.3 "${@:2}"
    /usr/bin/python3 sim/bench/summarize_bench.py out/codec_bench.json ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
