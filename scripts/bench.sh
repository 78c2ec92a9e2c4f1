#!/usr/bin/env bash
# The main job: installs what is missing, builds Release, and runs a quick benchmark pass on this CPU
# (every variant the CPU runs against the naive loops). Extra arguments go to the benchmark binary,
# e.g. scripts/bench.sh --benchmark_filter=vgg
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target simdpool_bench
export OMP_PROC_BIND=false
./build/release/bench/simdpool_bench --benchmark_min_time=0.1 --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true "$@"
