#!/usr/bin/env bash
# What a bounded lag ([search] max_lag) costs in events, and what the match
# stage recovers: synthetic networks (the generator's defaults: 4 stations x
# 3 components, 4 families of 3-6 events spread over the record, singletons),
# each run with the demo's parameters at every lag in LAGS (0 = off, FAST's
# all-pairs search), with matching on (`quakeprint run`) and off ([match]
# enabled = false: the fingerprint-similarity events alone). Scored as the
# demo: events with a family partner, first arrival within 2 s of the
# earliest true P (`quakeprint evaluate --family-only`). Also prints, from the
# truth, how many families have two members within the lag (the families a
# lag-bounded search can find; matching then finds the rest of each).
#
# Usage, from the repository root:
#   bench/lag-recall.sh [-q QUAKEPRINT] [-d DURATION_S] [-l "LAGS_S"] [-s "SEEDS"]
#                       [-f NOISE_FILE] OUT_DIR
#   -d  seconds of data per record       (default 86400)
#   -l  lags in seconds                  (default "0 7200 21600")
#   -s  seeds                            (default "1 2")
#   -f  real noise for the generator     (default: its coloured noise)
# Results and the command used: docs/performance.md ("A bounded lag").
set -euo pipefail

QP=build/bin/quakeprint
DURATION=86400
LAGS="0 7200 21600"
SEEDS="1 2"
NOISE=""
while getopts "q:d:l:s:f:h" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    d) DURATION=$OPTARG ;;
    l) LAGS=$OPTARG ;;
    s) SEEDS=$OPTARG ;;
    f) NOISE=$OPTARG ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,20p' "$0"; exit 2; }
source "$(dirname "$0")/scaling-config.sh"
QP=$(abs "$QP")
[ -z "$NOISE" ] || NOISE=$(abs "$NOISE")
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

# config SEED_DIR RUN LAG MATCH: the demo's parameters on the record's stations.
config() {
  local dir=$1 run=$2 lag=$3 match=$4
  printf '[run]\ndirectory = "%s"\nseed = 1\n\n' "$run"
  awk -F, 'NR > 1 { ch[$2] = ch[$2] (ch[$2] ? ", " : "") "\"" $4 "\""; net[$2] = $1 }
    END { for (s in ch) printf "[[stations]]\nnetwork = \"%s\"\nstation = \"%s\"\nchannels = [%s]\nfiles = [\"data/%s.%s.*.mseed\"]\n\n",
          net[s], s, ch[s], net[s], s }' "$dir/data/stations.csv"
  "$QP" demo --print-parameters | awk -v lag="$lag" -v m="$match" '
    /^\[/ { section = $0 }
    section == "[match]" && /^enabled = / && m == "off" { print "enabled = false"; next }
    { print } /^\[search\]$/ { print "max_lag = " lag }'
}

printf '%-5s %8s %6s %12s %7s %7s %8s %10s %10s\n' seed lag match "families<=lag" events matched recall precision "search_s"
for seed in $SEEDS; do
  dir=$OUT/seed$seed
  if [ ! -f "$dir/data/.done" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    synth=("$QP" synth -o "$dir/data" --seed "$seed" --duration "$DURATION")
    [ -z "$NOISE" ] || synth+=(--noise-file "$NOISE")
    "${synth[@]}" >"$OUT/synth-$seed.log" 2>&1
    touch "$dir/data/.done"
  fi
  for lag in $LAGS; do
    # Families with two members whose origins are at most the lag apart.
    near=$(awk -F, -v lag="$lag" 'NR == 1 { next }
      $2 != "" { f = $2; cmd = "date -u -d " $3 " +%s.%N"; cmd | getline t; close(cmd)
        if ((f in last) && (lag == 0 || t - last[f] <= lag)) ok[f] = 1; last[f] = t; fam[f] = 1 }
      END { n = 0; m = 0; for (f in fam) { m++; n += (f in ok) } printf "%d/%d", n, m }' "$dir/data/truth_catalog.csv")
    for match in off on; do
      # One run folder per record: preprocess and fingerprint are reused, the
      # search and every later stage rerun when max_lag or [match] changes.
      run=run-lag$lag-$match
      config "$dir" run "$lag" "$match" >"$dir/$run.toml"
      (cd "$dir" && /usr/bin/time -f '%e %U %S %M' -o "$run.time" "$QP" run "$run.toml" >"$run.log" 2>&1) ||
        { echo "lag-recall.sh: run failed, see $dir/$run.log" >&2; exit 1; }
      "$QP" evaluate "$dir/run/catalog/catalog.csv" "$dir/data/truth_catalog.csv" --picks "$dir/run/catalog/picks.csv" \
        --reference-picks "$dir/data/truth_picks.csv" --family-only -o "$dir/$run-score" >/dev/null
      get() { awk -F' = ' -v k="$1" '$1 == k { print $2; exit }' "$dir/$run-score/evaluation.txt"; }
      ref=$(get n_reference) hit=$(get n_reference_matched) det=$(get n_detections) true=$(get n_matched)
      scpu=$(grep -o 'search done: .*' "$dir/$run.log" | grep -o '[0-9.]* s over' | head -1 | cut -d' ' -f1)
      awk -v s="$seed" -v l="$lag" -v m="$match" -v nf="$near" -v r="$ref" -v h="$hit" -v d="$det" -v t="$true" -v sc="$scpu" 'BEGIN {
        printf "%-5s %8s %6s %12s %7d %7d %8.3f %10.3f %10s\n", s, l, m, nf, r, h, (r ? h / r : 0), (d ? t / d : 0), sc }'
    done
  done
done
