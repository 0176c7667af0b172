#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (GoogleTest through ctest, MPI tests under mpiexec -n 2), then the
# end-to-end checks. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export QUAKEPRINT_WITH_SLURM="${QUAKEPRINT_WITH_SLURM:-1}"
bash scripts/build.sh
# mpiexec as root (CI runs as root) must be allowed explicitly.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
cd build
ctest --output-on-failure --timeout 600 -j1
