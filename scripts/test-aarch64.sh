#!/usr/bin/env bash
# Cross-compiles simdpool and its tests for aarch64 (cmake/toolchains/aarch64-linux-gnu.cmake) and runs them
# under qemu-user, so that the NEON kernels run as native code (the x86 suite runs their simde translation).
# Installs what is missing first.
#
# Usage: scripts/test-aarch64.sh [build-dir]        (default: build/aarch64)
# Environment: SIMDPOOL_AARCH64_GTEST_FILTER  a gtest filter for a reduced run (default: the whole suite);
#              the filter is widened so that the golden, dispatch, error, worked-example and NEON tests
#              always run.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build/aarch64}
triple=aarch64-linux-gnu
start=$SECONDS

# --- Packages (only the missing ones; googletest provides the sources GoogleTest is built from).
packages=(cmake gcc-$triple g++-$triple qemu-user libsimde-dev libgtest-dev googletest)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "Installing: ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Configure and build (Release: the code users run).
echo "=== aarch64: configure and build ($build_dir)"
cmake -S . -B "$build_dir" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchains/$triple.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DSIMDPOOL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)"

# --- Tests under qemu-user (the toolchain's CMAKE_CROSSCOMPILING_EMULATOR).
if [[ -n "${SIMDPOOL_AARCH64_GTEST_FILTER:-}" ]]; then
  always='*Golden*:*Dispatch*:*Errors*:*WorkedExample*:*Neon*:*/neon*'
  export GTEST_FILTER="${SIMDPOOL_AARCH64_GTEST_FILTER}:${always}"
  echo "=== aarch64: reduced run, GTEST_FILTER=$GTEST_FILTER"
fi
echo "=== aarch64: tests (qemu-aarch64)"
ctest --test-dir "$build_dir" -j "$(nproc)" --output-on-failure

# gtest's own counts, summed over the shards (ctest counts a shard as one test).
log="$build_dir/Testing/Temporary/LastTest.log"
if [[ -f "$log" ]]; then
  ran=$(grep -hoE '^\[==========\] [0-9]+ tests? from' "$log" | awk '{s += $2} END {print s + 0}')
  passed=$(grep -hoE '^\[  PASSED  \] [0-9]+' "$log" | awk '{s += $4} END {print s + 0}')
  skipped=$(grep -hoE '^\[  SKIPPED \] [0-9]+ tests?,' "$log" | awk '{s += $4} END {print s + 0}')
  echo "=== aarch64: gtest ran $ran tests: $passed passed, $skipped skipped (x86 ISAs; the SIMDPOOL_ISA test outside its own runs)"
fi
echo "=== aarch64: done in $((SECONDS - start)) s"
