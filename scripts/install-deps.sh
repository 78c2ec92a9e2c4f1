#!/usr/bin/env bash
# Installs the Debian packages simdpool needs, only if some are missing.
# Usage: scripts/install-deps.sh [test|bench]   (bench adds the comparison libraries, the summarizer's
# python3 and gnuplot for the chart)
set -euo pipefail
# zlib1g-dev and python3-sklearn: the CNN example (examples/cnn_digits.c) reads sklearn's 8x8 digits with zlib.
packages=(build-essential cmake libsimde-dev libgtest-dev libbenchmark-dev zlib1g-dev python3-sklearn)
if [[ "${1:-test}" == bench ]]; then
  packages+=(libdnnl-dev libxnnpack-dev libpthreadpool-dev python3 gnuplot-nox)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi
echo "Installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
