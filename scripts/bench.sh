#!/usr/bin/env bash
# The main job: installs what is missing, builds Release, runs the benchmark suite on this CPU (every simdpool
# variant the CPU runs against the naive loops, oneDNN and XNNPACK, with a measured bandwidth roofline), and
# prints a summary table per workload; writes the JSON and a PNG chart.
#
#   scripts/bench.sh                 quick pass (a few minutes on 2 cores): 3 repetitions, short runs
#   scripts/bench.sh --full          10 repetitions of longer runs (about 5x the quick pass)
#   scripts/bench.sh --benchmark_filter=vgg     extra arguments go to the benchmark binary
#
# Outputs in build/release/bench/: results.json (google-benchmark JSON with counters and context),
# console.txt (the binary's full console table), summary.txt, summary.md, summary.png.
# Settings and the meaning of every column: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

mode=quick
if [[ "${1:-}" == --full ]]; then
  mode=full
  shift
fi

scripts/install-deps.sh bench
cmake --preset release >/dev/null
cmake --build --preset release --target simdpool_bench

out=build/release/bench
bin=$out/simdpool_bench

# Thread binding. No pinning: with OMP_PROC_BIND=true/close, libgomp pins its team and the pthreadpool
# threads of XNNPACK (and the main thread, which OpenMP's master shares) can end up stacked on one core.
# The OS scheduler places every library's threads the same way. OpenMP waits with its default policy (spin,
# then sleep), the same for simdpool and oneDNN (both use the process's one libgomp). The thread count of
# every row is set by the benchmark itself (simdpool_options.num_threads, omp_set_num_threads for oneDNN,
# pthreadpool_create for XNNPACK), so OMP_NUM_THREADS is cleared.
export OMP_PROC_BIND=false
unset OMP_PLACES OMP_NUM_THREADS OMP_WAIT_POLICY GOMP_SPINCOUNT

if [[ $mode == full ]]; then
  timing=(--benchmark_min_time=0.2 --benchmark_repetitions=10)
else
  timing=(--benchmark_min_time=0.03 --benchmark_repetitions=3)
fi
rows=$("$bin" --benchmark_list_tests "$@" | wc -l)
# google-benchmark's own context block (also in the JSON and stderr.txt) is left out of the terminal.
gbench_context='^(20[0-9][0-9]-[0-9]|Running |Run on |CPU Caches:|  L[123] |Load Average:|(GOMP|OMP)_[A-Z_]+: |'
gbench_context+='bandwidth_|cache_L|cpu_model: |onednn: |simdpool_(version|cpu_isa): |thread_counts: |workload|'
gbench_context+='xnnpack: |\*\*\*WARNING\*\*\* Library was built as DEBUG)'
echo "Running $rows rows x ${timing[1]#--benchmark_repetitions=} repetitions ($mode mode), interleaved in random order;"
echo "the binary's console table goes to $out/console.txt. Progress notes and mismatches (if any) follow."
"$bin" "${timing[@]}" --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/results.json" --benchmark_out_format=json "$@" \
  2>&1 >"$out/console.txt" | tee "$out/stderr.txt" |
  { grep --line-buffered -v -E "$gbench_context" || true; }

echo
python3 bench/summarize.py "$out/results.json" --markdown "$out/summary.md" --png "$out/summary.png" \
  --load-after "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)" |
  tee "$out/summary.txt"
echo "JSON: $out/results.json   table: $out/summary.txt (Markdown: $out/summary.md)"
echo "total time of scripts/bench.sh: $(($(date +%s) - start)) s"
