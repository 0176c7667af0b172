#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test (GoogleTest through ctest, MPI tests under mpiexec -n 2), then the
# end-to-end checks. Exits non-zero if anything fails.
#
#   bash scripts/test.sh --sanitize   the checking build instead (./build-sanitize,
#       clang with ASan+UBSan and libFuzzer instrumentation): the unit tests of
#       pipeline, the readers and catalog IO, the fuzz regressions, then every
#       fuzz target for QP_FUZZ_SMOKE_SECONDS (default 10) from its seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
if [[ "${1:-}" == --sanitize ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  QUAKEPRINT_WITH_FUZZ=1 bash scripts/install-deps.sh
  CC=clang CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUAKEPRINT_FUZZ=ON \
    -DQUAKEPRINT_BUILD_BENCH=OFF >/dev/null
  tests=(test_pipeline_time test_pipeline_config test_pipeline_run_store test_pipeline_reliability
         test_pipeline_mpi test_pre_readers test_pre_merge test_catalog_io test_catalog_quakeml
         test_catalog_evaluate test_catalog_fast_import test_fuzz_regressions)
  cmake --build build-sanitize -j"$(nproc)" --target "${tests[@]}" fuzz_all
  # Leaks inside Open MPI and HDF5's library-lifetime caches are theirs.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
  export LSAN_OPTIONS="suppressions=$repo/fuzz/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  regex="^($(IFS='|'; echo "${tests[*]}")|fuzz_.*_regressions)\$"
  # MPI tests without leak checking: Open MPI's plugins are unloaded at
  # MPI_Finalize, so their allocations can be neither named nor suppressed.
  (cd build-sanitize && ctest --output-on-failure --timeout 900 -j2 -R "$regex" -LE mpi &&
   ASAN_OPTIONS="detect_leaks=0" ctest --output-on-failure --timeout 900 -R "$regex" -L mpi)
  bash scripts/fuzz.sh "${QP_FUZZ_SMOKE_SECONDS:-10}"
  exit 0
fi
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
