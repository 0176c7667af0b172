#!/usr/bin/env bash
# The fingerprint stage end to end against the kernel, in the same run: a
# synthetic record of one station x 3 components at 100 Hz (the data and
# config of bench/scaling-length.sh) is preprocessed once; then, RUNS times
# and alternating, `quakeprint fingerprint --refresh-mad` (median/MAD and every
# unit recomputed) of the binary under test and of OLD (when given), and
# fingerprint_bench with the stage's [fingerprint] parameters, the stage on
# -T threads (default 1), the kernel on one, under /usr/bin/time. Prints the medians:
# stage fingerprints per CPU second (user + system), the kernel's fused rate,
# their ratio, peak RSS; then whether the fingerprint and median/MAD datasets
# of the two binaries are identical (h5diff).
#
# Usage, from the repository root:
#   bench/fingerprint-e2e.sh [-o OLD_QUAKEPRINT] [-q QUAKEPRINT] [-b FINGERPRINT_BENCH]
#                            [-L DAYS] [-r RUNS] [-w WORKDIR]
#   -o  the binary to compare against   (default: none)
#   -q  the binary under test           (default: build/bin/quakeprint)
#   -b  the kernel benchmark            (default: build/bench/fingerprint_bench)
#   -L  record length in days           (default: 1)
#   -r  runs                            (default: 3; medians reported)
#   -w  work folder                     (default: build-fingerprint-e2e)
#   -T  OpenMP threads of the stage     (default: 1; the kernel stays on
#       one thread: its rate is per core)
# Results and the command used: docs/performance.md.
set -euo pipefail

NEW=build/bin/quakeprint
BENCH=build/bench/fingerprint_bench
OLD=""
DAYS=1
RUNS=3
WORK=build-fingerprint-e2e
THREADS=1
while getopts "o:q:b:L:r:w:T:h" opt; do
  case $opt in
    o) OLD=$OPTARG ;;
    q) NEW=$OPTARG ;;
    b) BENCH=$OPTARG ;;
    L) DAYS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    w) WORK=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    *) sed -n '2,24p' "$0"; exit 2 ;;
  esac
done
source "$(dirname "$0")/scaling-config.sh"
NEW=$(abs "$NEW"); BENCH=$(abs "$BENCH")
[ -n "$OLD" ] && OLD=$(abs "$OLD")
for b in "$NEW" "$BENCH" $OLD; do [ -x "$b" ] || { echo "fingerprint-e2e.sh: no program at $b" >&2; exit 1; }; done
[ -x /usr/bin/time ] || { echo "fingerprint-e2e.sh: needs /usr/bin/time" >&2; exit 1; }
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export OMP_NUM_THREADS=$THREADS

d=$DAYS
data=$WORK/data-${d}d
if [ ! -f "$data/.done" ]; then
  rm -rf "$data"
  printf '[synth]\nseed = 7\nn_stations = 1\nduration_s = %d\nsampling_rate = 100\nn_families = 4\nn_singletons = 3\n' \
    "$((d * 86400))" >"$WORK/synth-${d}d.toml"
  "$NEW" synth "$WORK/synth-${d}d.toml" -o "$data" >"$WORK/synth-${d}d.log" 2>&1 ||
    { tail -20 "$WORK/synth-${d}d.log" >&2; exit 1; }
  touch "$data/.done"
fi
# One preprocessed record per binary (each stage reads its own run folder).
for tag in new old; do
  bin=$NEW; [ $tag = old ] && bin=$OLD
  [ -n "$bin" ] || continue
  run=run-${d}d-$tag
  scaling_config "$NEW" "$d" "$run" >"$WORK/$run.toml"
  if [ ! -f "$WORK/$run/.preprocessed" ]; then
    rm -rf "${WORK:?}/$run"
    (cd "$WORK" && "$NEW" preprocess "$run.toml" >"$WORK/$run-preprocess.log" 2>&1) ||
      { echo "fingerprint-e2e.sh: preprocess failed" >&2; tail -20 "$WORK/$run-preprocess.log" >&2; exit 1; }
    touch "$WORK/$run/.preprocessed"
  fi
done
# The stage's [fingerprint] parameters, for the kernel benchmark.
params=$(awk '/^\[/ { s = $0 } s == "[fingerprint]" && /^(sampling_rate|min_freq|max_freq|spec_length|spec_lag|fp_length|fp_lag|nfreq|k_coef) = / { printf "%s=%s ", $1, $3 }' \
  "$WORK/run-${d}d-new.toml")

rm -f "$WORK"/times-*.$$
for r in $(seq "$RUNS"); do
  for tag in new old; do
    bin=$NEW; [ $tag = old ] && bin=$OLD
    [ -n "$bin" ] || continue
    run=run-${d}d-$tag
    log=$WORK/$run-fingerprint.log
    (cd "$WORK" && /usr/bin/time -f 'TIME %e %U %S %M' -o "$log.time" "$bin" fingerprint --refresh-mad "$run.toml" >"$log" 2>&1) ||
      { echo "fingerprint-e2e.sh: $tag fingerprint failed" >&2; tail -20 "$log" >&2; exit 1; }
    n=$(grep -o '[0-9]* new fingerprints' "$log" | awk '{ print $1 }')
    awk -v n="$n" '/^TIME/ { print $2, $3 + $4, $5 / 1024, n }' "$log.time" >>"$WORK/times-$tag.$$"
  done
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=1 "$BENCH" 1 1 300 $params >"$WORK/bench.log" 2>&1 || { cat "$WORK/bench.log" >&2; exit 1; }
  awk '/^fused: [0-9.]+ fingerprints per CPU second/ { print $2 }' "$WORK/bench.log" >>"$WORK/times-bench.$$"
done
kernel=$(median <"$WORK/times-bench.$$")
echo "record: $d day(s), one station x 3 components; [fingerprint] $params"
printf 'kernel (fingerprint_bench, same parameters, fused): %.0f fingerprints per CPU s (runs: %s)\n' "$kernel" \
  "$(tr '\n' ' ' <"$WORK/times-bench.$$")"
for tag in new old; do
  f=$WORK/times-$tag.$$
  [ -f "$f" ] || continue
  cpu=$(awk '{ print $2 }' "$f" | median); wall=$(awk '{ print $1 }' "$f" | median)
  rss=$(awk '{ print $3 }' "$f" | median); n=$(awk 'NR == 1 { print $4 }' "$f")
  printf '%s stage (%s thread(s)): %s fingerprints in %.2f CPU s (runs: %s), wall %.2f s (runs: %s), peak RSS %.0f MB: %.0f per CPU s = %.0f %% of the kernel\n' \
    "$tag" "$THREADS" "$n" "$cpu" "$(awk '{ printf "%s ", $2 }' "$f")" "$wall" "$(awk '{ printf "%s ", $1 }' "$f")" "$rss" "$(echo "$n $cpu" | awk '{ print $1 / $2 }')" \
    "$(echo "$n $cpu $kernel" | awk '{ print 100 * $1 / $2 / $3 }')"
done
if [ -n "$OLD" ]; then
  same=yes
  for f in "$WORK"/run-${d}d-new/fingerprint/*/*.h5; do
    rel=${f#"$WORK"/run-${d}d-new/}
    g=$WORK/run-${d}d-old/$rel
    for ds in $(h5ls "$f" | awk '{ print $1 }'); do
      h5diff -q "$f" "$g" "/$ds" "/$ds" >/dev/null 2>&1 || { same=no; echo "differs: $rel /$ds"; }
    done
  done
  echo "fingerprint and median/MAD datasets identical between the binaries: $same"
fi
rm -f "$WORK"/times-*.$$
