#!/usr/bin/env bash
# The preprocess stage end to end, old binary against new, back to back:
# synthetic records of one station x 3 components at 100 Hz (the data and
# [preprocess] settings of bench/scaling-length.sh), `quakeprint preprocess`
# on THREADS threads (-T, default 1) under /usr/bin/time, each run on a fresh run folder. Prints
# per binary and length the median of the runs: CPU seconds (user + system),
# wall seconds, peak RSS, and input samples per CPU second; then whether
# every unit's datasets are identical between the binaries (h5diff).
#
# Usage, from the repository root:
#   bench/preprocess-e2e.sh [-o OLD_QUAKEPRINT] [-q NEW_QUAKEPRINT]
#                           [-L "DAYS ..."] [-r RUNS] [-w WORKDIR]
#   -o  the binary to compare against   (default: none, the new one alone)
#   -q  the binary under test           (default: build/bin/quakeprint)
#   -L  record lengths in days          (default: "1 4")
#   -r  runs per binary and length      (default: 3; medians reported)
#   -w  work folder                     (default: build-preprocess-e2e)
#   -T  OpenMP threads of the stage     (default: 1; CPU and wall both printed)
# Results and the command used: docs/performance.md.
set -euo pipefail

NEW=build/bin/quakeprint
OLD=""
LENGTHS="1 4"
RUNS=3
WORK=build-preprocess-e2e
THREADS=1
while getopts "o:q:L:r:w:T:h" opt; do
  case $opt in
    o) OLD=$OPTARG ;;
    q) NEW=$OPTARG ;;
    L) LENGTHS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    w) WORK=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
source "$(dirname "$0")/scaling-config.sh"
NEW=$(abs "$NEW")
[ -n "$OLD" ] && OLD=$(abs "$OLD")
for b in "$NEW" $OLD; do [ -x "$b" ] || { echo "preprocess-e2e.sh: no binary at $b" >&2; exit 1; }; done
[ -x /usr/bin/time ] || { echo "preprocess-e2e.sh: needs /usr/bin/time" >&2; exit 1; }
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export OMP_NUM_THREADS=$THREADS


for d in $LENGTHS; do
  data=$WORK/data-${d}d
  if [ ! -f "$data/.done" ]; then
    rm -rf "$data"
    printf '[synth]\nseed = 7\nn_stations = 1\nduration_s = %d\nsampling_rate = 100\nn_families = 4\nn_singletons = 3\n' \
      "$((d * 86400))" >"$WORK/synth-${d}d.toml"
    "$NEW" synth "$WORK/synth-${d}d.toml" -o "$data" >"$WORK/synth-${d}d.log" 2>&1 ||
      { tail -20 "$WORK/synth-${d}d.log" >&2; exit 1; }
    touch "$data/.done"
  fi
  samples=$(( d * 86400 * 100 * 3 ))
  # Old and new alternate, so that both see the same machine load.
  for r in $(seq "$RUNS"); do
    for tag in old new; do
      bin=$NEW; [ $tag = old ] && bin=$OLD
      [ -n "$bin" ] || continue
      run=run-${d}d-$tag
      scaling_config "$NEW" "$d" "$run" >"$WORK/$run.toml"
      rm -rf "${WORK:?}/$run"
      log=$WORK/$run.log
      (cd "$WORK" && /usr/bin/time -f 'TIME %e %U %S %M' -o "$log.time" "$bin" preprocess "$run.toml" >"$log" 2>&1) ||
        { echo "preprocess-e2e.sh: $tag failed on $d day(s)" >&2; tail -20 "$log" >&2; exit 1; }
      awk '/^TIME/ { print $2, $3 + $4, $5 / 1024 }' "$log.time" >>"$WORK/times-${d}d-$tag.$$"
    done
  done
  for tag in old new; do
    f=$WORK/times-${d}d-$tag.$$
    [ -f "$f" ] || continue
    wall=$(awk '{ print $1 }' "$f" | median); cpu=$(awk '{ print $2 }' "$f" | median)
    rss=$(awk '{ print $3 }' "$f" | median)
    printf '%s d %s (%s thread(s)): CPU %.2f s (runs: %s), wall %.2f s (runs: %s), peak RSS %.0f MB, %.1f M input samples per CPU s\n' \
      "$d" "$tag" "$THREADS" "$cpu" "$(awk '{ printf "%s ", $2 }' "$f")" "$wall" "$(awk '{ printf "%s ", $1 }' "$f")" "$rss" "$(echo "$samples $cpu" | awk '{ print $1 / $2 / 1e6 }')"
    rm -f "$f"
  done
  if [ -n "$OLD" ]; then
    same=0; differ=0
    while IFS= read -r u; do
      rel=${u#"$WORK/run-${d}d-new/"}
      for ds in samples mask; do
        if h5diff -q "$u" "$WORK/run-${d}d-old/$rel" "/$ds" "/$ds" >/dev/null 2>&1; then same=$((same + 1))
        else differ=$((differ + 1)); echo "  differs: $rel /$ds" >&2; fi
      done
    done < <(find "$WORK/run-${d}d-new" -name '*.h5' -path '*preprocess*' | sort)
    echo "$d d: datasets identical old/new under h5diff: $same, differing: $differ"
  fi
done
