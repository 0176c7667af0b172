#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, generates a
# small synthetic multi-station dataset with known repeating earthquakes,
# runs every stage on it (quakeprint run) and scores the catalog against the
# ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
out="${1:-demo-run}"
./build/bin/quakeprint demo "$out"
