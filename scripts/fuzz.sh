#!/usr/bin/env bash
# Fuzzes the readers of outside input with libFuzzer (clang, ASan+UBSan):
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# builds ./build-sanitize, seeds each target's corpus from ../shared/data (format
# fixtures, catalogs, StationXML, FAST's parameter files) and configs/, and
# runs each target for SECONDS (default 60) one after another. Findings go to
# build-sanitize/findings/<target>/ and fail the script; turn each into a
# regression test (fuzz/regressions/<target>/, replayed by ctest).
# QP_FUZZ_RUNS=N stops a target after N inputs (or SECONDS, what comes first);
# QP_FUZZ_MAX_LEN caps input sizes (default per target: 4096 for the TOML and
# JSON texts, whose parsers cost about 0.4 us per byte before the sanitizers,
# 65536 for the others); nice QP_FUZZ_NICE (default 10) keeps a shared
# machine usable. Throughput settings (docs/checking.md has the profile):
# libFuzzer without the entropic schedule (-entropic=0: its per-input feature
# bookkeeping was 22% of fuzz_config_toml's time, whose TOML parser hits many
# features) and without symbolizing new functions (-print_funcs=0); ASan
# without allocation stacks, malloc fill or a large quarantine
# (malloc_context_size=0, max_malloc_fill_size=0, quarantine_size_mb=16: the
# TOML parser allocates per token). A finding is replayed with full reports
# (fuzz/regressions, ctest, the sanitizer build).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(fuzz_miniseed fuzz_sac fuzz_config_toml fuzz_catalog_csv fuzz_picks_csv fuzz_stationxml fuzz_fast_json)
fi
shared=${QP_SHARED_DIR:-$repo/../shared}
QUAKEPRINT_WITH_FUZZ=1 bash scripts/install-deps.sh
CC=clang CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUAKEPRINT_FUZZ=ON \
  -DQUAKEPRINT_BUILD_BENCH=OFF >/dev/null
nice -n "${QP_FUZZ_NICE:-10}" cmake --build build-sanitize -j"$(nproc)" --target "${targets[@]}"

# seeds TARGET: the files a target's corpus starts from
seeds() {
  local d=$shared/data
  case $1 in
    fuzz_miniseed) ls "$d"/format-fixtures/libmseed/*.mseed2 "$d"/format-fixtures/mseed/*.mseed ;;
    fuzz_sac) ls "$d"/format-fixtures/sac/*.sac ;;
    fuzz_config_toml) ls "$repo"/configs/*.toml "$repo"/tests/postprocess/catalog/golden/*.toml ;;
    fuzz_catalog_csv) ls "$d"/*/catalog.csv "$d"/bradys-2014/detections*.csv ;;
    fuzz_picks_csv) ls "$d"/iceland-z7-2014/picks.csv ;;
    fuzz_stationxml) ls "$d"/*/*.stationxml "$d"/*/*.xml 2>/dev/null || true ;;
    fuzz_fast_json) ls "$shared"/reference/fast-iceland/parameters/config.json \
                       "$shared"/reference/fast-iceland/parameters/postprocess/network_params.json \
                       "$shared"/reference/fast-iceland/parameters/fingerprint/fp_input_Z7_DYJN_HHZ.json ;;
  esac
}

status=0
summary=()
for t in "${targets[@]}"; do
  corpus=build-sanitize/corpus/$t findings=build-sanitize/findings/$t
  mkdir -p "$corpus" "$findings"
  if [ -d "$shared/data" ]; then
    while read -r f; do [ -f "$f" ] && cp -n "$f" "$corpus/" || true; done < <(seeds "$t")
  else
    echo "fuzz.sh: $shared/data is absent: $t starts from an empty corpus" >&2
  fi
  # Regression inputs are seeds too, so a fixed bug stays fixed.
  [ -d fuzz/regressions/$t ] && cp -n fuzz/regressions/$t/* "$corpus/" 2>/dev/null || true
  limit=(-max_total_time="$seconds")
  [ -n "${QP_FUZZ_RUNS:-}" ] && limit+=(-runs="$QP_FUZZ_RUNS")
  log=build-sanitize/$t.log
  echo "fuzz.sh: $t (${limit[*]})"
  max_len=65536
  case $t in fuzz_config_toml|fuzz_fast_json) max_len=4096 ;; esac
  asan="malloc_context_size=0:max_malloc_fill_size=0:quarantine_size_mb=16"
  if ! ASAN_OPTIONS="$asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}" nice -n "${QP_FUZZ_NICE:-10}" \
      build-sanitize/fuzz/$t "${limit[@]}" -max_len="${QP_FUZZ_MAX_LEN:-$max_len}" -rss_limit_mb=2048 \
      -entropic=0 -print_funcs=0 \
      -timeout=20 -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1; then
    echo "fuzz.sh: $t FOUND A PROBLEM (log $log, input in $findings/):" >&2
    grep -m5 -E "ERROR|terminate|Assertion|runtime error|==[0-9]+==" "$log" >&2 || tail -20 "$log" >&2
    status=1
  fi
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  secs=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
  summary+=("$t: ${execs:-?} executions (${secs:-?}/s), corpus $(ls "$corpus" | wc -l) inputs")
done
printf 'fuzz.sh: %s\n' "${summary[@]}"
exit $status
