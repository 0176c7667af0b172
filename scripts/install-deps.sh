#!/usr/bin/env bash
# Installs quakeprint's build, test and run dependencies from Debian 12 packages.
# Idempotent: installs only what is missing and never removes anything.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev hdf5-tools
  libfftw3-dev libxxhash-dev
  libboost-dev libboost-program-options-dev
  libtoml11-dev libspdlog-dev libfmt-dev libcli11-dev
  libmseed-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libxml2-utils
  python3-numpy python3-scipy python3-h5py
  python3-matplotlib
  python3-pythran  # pocketfft.hpp: SciPy's FFT, for "fast" mode's bit-identical spectrogram
  python3-pywt python3-pil python3-sklearn  # test_fp_fast_unseen: FAST's own feature extraction as reference
)
# The report's headless-browser check (chromium) and the QuakeML client test
# (seisplotjs under Node.js): by command, since a Node.js from elsewhere
# (nodesource) brings its own npm and conflicts with Debian's npm package.
command -v chromium > /dev/null || packages+=(chromium)
command -v node > /dev/null || packages+=(nodejs)
command -v npm > /dev/null || packages+=(npm)
# Only for the checking builds: scripts/fuzz.sh (libFuzzer and the sanitizer
# runtimes of clang); scripts/test.sh --sanitize uses gcc's (build-essential).
if [[ "${QUAKEPRINT_WITH_FUZZ:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-14-dev libomp-14-dev)
fi
if [[ "${QUAKEPRINT_WITH_SLURM:-0}" == 1 ]]; then
  packages+=(slurm-wlm munge slurm-client)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
