#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds quakeprint in
# ./build (Release with debug info). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
