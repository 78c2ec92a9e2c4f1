#!/usr/bin/env bash
# The test command: installs what is missing, then builds and runs the whole suite twice — an optimised
# build (the code users run) and a Debug build with AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
jobs=$(nproc)
for preset in release asan; do
  echo "=== ${preset}: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "=== ${preset}: tests"
  ctest --preset "$preset" -j "$jobs"
done
echo "=== aarch64 (cross-compiled, tests under qemu-user: the native NEON path)"
scripts/test-aarch64.sh
