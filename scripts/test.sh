#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (GoogleTest through ctest, MPI tests under mpiexec -n 2), then the
# end-to-end checks. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export QUAKEPRINT_WITH_SLURM="${QUAKEPRINT_WITH_SLURM:-1}"
bash scripts/build.sh
# mpiexec as root (CI runs as root) must be allowed explicitly.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# A real single-node Slurm cluster for the staged-job test (started here,
# stopped by PID on exit; left alone if one already answers).
started_slurm=0
if [[ "$QUAKEPRINT_WITH_SLURM" == 1 ]]; then
  if ! bash scripts/slurm-local.sh ping >/dev/null 2>&1; then
    if bash scripts/slurm-local.sh start; then started_slurm=1
    else echo "test.sh: could not start the local Slurm cluster; the Slurm test will be skipped" >&2; fi
  fi
fi
stop_slurm() { if [[ $started_slurm == 1 ]]; then bash "$repo/scripts/slurm-local.sh" stop || true; fi; }
trap stop_slurm EXIT
cd build
ctest --output-on-failure --timeout 900 -j2
