#!/usr/bin/env bash
# Installs every Debian 12 package that kolmo's build, tests, fuzzers and benchmarks need.
# Idempotent: when everything is present already it changes nothing and needs no network.
set -euo pipefail

packages=(
  # toolchain
  build-essential g++ cmake pkg-config make
  clang-14 libclang-rt-14-dev llvm-14          # fuzzing (libFuzzer) and ASan/UBSan builds
  # libraries: backends and baselines
  libzstd-dev liblzma-dev libbrotli-dev libbz2-dev zlib1g-dev libxxhash-dev
  # command line, JSON, tests, benchmarks, linear algebra
  libcli11-dev nlohmann-json3-dev googletest libgtest-dev libgmock-dev libbenchmark-dev libeigen3-dev
  # the standalone tools, for checking the baselines' sizes against them
  xz-utils zstd brotli bzip2 gzip
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
