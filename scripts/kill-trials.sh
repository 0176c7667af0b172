#!/usr/bin/env bash
# Kill-and-rerun trials: `quakeprint run` on a small synthetic network is
# killed with SIGKILL at seeded random moments, then run again to the end;
# catalog.csv, picks.csv and catalog.xml (QuakeML) must be byte-identical to
# those of an uninterrupted run.
#
#   scripts/kill-trials.sh [-q QUAKEPRINT] [-n TRIALS] [-s SEED] [-d DURATION_S] OUT_DIR
#
# Defaults: build/bin/quakeprint, 10 trials, seed 1, 7200 s of data from 3
# stations (quakeprint synth), the demo's parameters. Trial i aims at stage
# i mod 5 (preprocess, fingerprint, search, associate, export): it waits for
# that stage to take its lock, then kills after a seeded random delay within
# the first 60% of the stage's duration in the timed uninterrupted run
# (awk's srand(SEED); stages run faster or slower with the machine's load).
# Each trial's run directory starts with the clean run's manifest/run.toml
# (the run's identity, whose creation time QuakeML carries), as a rerun of
# the same run would. Prints one line per trial (kill moment, the stage it
# hit, result); exits non-zero on any difference.
set -euo pipefail
QP=build/bin/quakeprint TRIALS=10 SEED=1 DURATION=7200
while getopts "q:n:s:d:" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    n) TRIALS=$OPTARG ;;
    s) SEED=$OPTARG ;;
    d) DURATION=$OPTARG ;;
    *) sed -n '2,18p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,18p' "$0"; exit 2; }
QP=$(cd "$(dirname "$QP")" && pwd)/$(basename "$QP")
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

clean="$OUT/clean"
[ -s "$clean/data/truth_catalog.csv" ] ||
  "$QP" synth -o "$clean/data" --seed "$SEED" --duration "$DURATION" --stations 3 >"$OUT/synth.log" 2>&1
# Always through this binary: QuakeML names the software version (git commit).
"$QP" demo "$clean" >"$OUT/clean.log" 2>&1 || { echo "clean run failed: $OUT/clean.log" >&2; exit 1; }
outputs=(catalog.csv picks.csv catalog.xml)

# A trial directory: the clean run's config and data, the run's identity.
fresh() {
  rm -rf "$1"
  mkdir -p "$1/run/manifest"
  cp "$clean/demo.toml" "$1/"
  ln -s "$clean/data" "$1/data"
  cp "$clean/run/manifest/run.toml" "$1/run/manifest/"
}
same() {
  local o
  for o in "${outputs[@]}"; do cmp -s "$1/run/catalog/$o" "$clean/run/catalog/$o" || { echo "$o differs"; return 1; }; done
  echo "identical"
}

# The uninterrupted run, timed: when each stage takes its lock (stages lock
# in order) and how long the whole run takes.
stages=(preprocess fingerprint search associate export)
fresh "$OUT/timing"
t0=$(date +%s.%N)
"$QP" run "$OUT/timing/demo.toml" >"$OUT/timing.log" 2>&1 & pid=$!
declare -A start=()
while kill -0 "$pid" 2>/dev/null; do
  for st in "${stages[@]}"; do
    [ -z "${start[$st]:-}" ] && [ -e "$OUT/timing/run/locks/$st.lock" ] &&
      start[$st]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  done
  sleep 0.02
done
wait "$pid"
span=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
duration() {  # seconds from stage $1's start to the next stage's (or the end)
  local k next=$span
  for k in "${!stages[@]}"; do
    if [ "${stages[$k]}" = "$1" ] && [ $((k + 1)) -lt ${#stages[@]} ]; then next=${start[${stages[$((k + 1))]}]:-$span}; fi
  done
  awk -v a="${start[$1]:-0}" -v b="$next" 'BEGIN { printf "%.3f", (b > a ? b - a : 0.05) }'
}
echo "uninterrupted run: $span s ($(for st in "${stages[@]}"; do printf '%s %ss ' "$st" "$(duration "$st")"; done)), $(same "$OUT/timing")"

status=0
for i in $(seq 1 "$TRIALS"); do
  # Trial i aims at stage i mod 5, at a seeded moment inside it: the
  # trial's own run is watched until that stage takes its lock.
  target=${stages[$(((i - 1) % ${#stages[@]}))]}
  delay=$(awk -v s="$SEED" -v i="$i" -v d="$(duration "$target")" 'BEGIN { srand(s * 1000 + i); printf "%.3f", 0.6 * rand() * d }')
  d="$OUT/trial$i"
  fresh "$d"
  "$QP" run "$d/demo.toml" >"$d/killed.log" 2>&1 & pid=$!
  while kill -0 "$pid" 2>/dev/null && [ ! -e "$d/run/locks/$target.lock" ]; do sleep 0.01; done
  sleep "$delay"
  moment="$target + ${delay}"
  if kill -KILL "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    # The stage it hit: the last whose lock file was taken (stages lock in order).
    hit=$(ls -t "$d/run/locks" 2>/dev/null | head -1 | sed 's/\.lock$//' || true)
    hit="killed in ${hit:-start-up}"
  else
    wait "$pid" || true
    hit="finished before the kill: not a trial"; status=1
  fi
  leftovers=$(find "$d/run" -name '*.tmp.*' | wc -l)
  if ! "$QP" run "$d/demo.toml" >"$d/rerun.log" 2>&1; then
    echo "trial $i: kill at $moment s ($hit): the rerun FAILED ($d/rerun.log)"; status=1; continue
  fi
  left_after=$(find "$d/run" -name '*.tmp.*' | wc -l)
  if result=$(same "$d"); then :; else status=1; fi
  echo "trial $i: kill at $moment s ($hit, $leftovers temporaries left): rerun $result; temporaries after: $left_after"
  [ "$left_after" -eq 0 ] || status=1
done
exit $status
