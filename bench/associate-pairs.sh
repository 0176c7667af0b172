#!/usr/bin/env bash
# Association time against the number of pairs it takes in: synthetic
# records at 100 Hz of NSTATIONS stations x 1 component (HHZ; -n 1: one
# station x 3 components, the data and config of bench/scaling-length.sh),
# the demo's parameters with sparser median/MAD sampling, and the search's
# station filter off ([search] min_station_votes = 0), so that the pairs,
# mostly noise, grow faster than the record. Each record is preprocessed,
# fingerprinted and searched (once: up to date afterwards); then
# `quakeprint associate --force` runs on one thread (OMP_NUM_THREADS=1) under
# /usr/bin/time, RUNS times, alternating with OLD's when given. Prints per
# length and binary the station pairs the stage takes in, its median CPU
# seconds (user + system), wall, peak RSS, its phase CPU line, whether the
# outputs of the two binaries are identical, then the exponent of associate
# CPU time against the number of pairs (1 = linear).
#
# Usage, from the repository root:
#   bench/associate-pairs.sh [-o OLD_QUAKEPRINT] [-q QUAKEPRINT] [-n NSTATIONS] [-L "DAYS ..."]
#                            [-r RUNS] [-w WORKDIR]
#   -o  a binary to compare against, its associate runs alternating with the
#       new one's on the same pairs; its outputs are compared (default: none)
#   -q  the binary under test   (default: build/bin/quakeprint)
#   -n  stations                (default: 4)
#   -L  record lengths in days  (default: "1 2 4")
#   -r  associate runs per length (default: 3; medians reported)
#   -w  work folder             (default: build-associate-pairs)
# Results and the command used: docs/performance.md.
set -euo pipefail

QP=build/bin/quakeprint
LENGTHS="1 2 4"
RUNS=3
NSTA=4
OLD=""
WORK=build-associate-pairs
while getopts "o:q:n:L:r:w:h" opt; do
  case $opt in
    o) OLD=$OPTARG ;;
    q) QP=$OPTARG ;;
    n) NSTA=$OPTARG ;;
    L) LENGTHS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    w) WORK=$OPTARG ;;
    *) sed -n '2,27p' "$0"; exit 2 ;;
  esac
done
QP="$(cd "$(dirname "$QP")" && pwd)/$(basename "$QP")"
[ -x "$QP" ] || { echo "associate-pairs.sh: no binary at $QP" >&2; exit 1; }
if [ -n "$OLD" ]; then
  OLD="$(cd "$(dirname "$OLD")" && pwd)/$(basename "$OLD")"
  [ -x "$OLD" ] || { echo "associate-pairs.sh: no binary at $OLD" >&2; exit 1; }
fi
[ -x /usr/bin/time ] || { echo "associate-pairs.sh: needs /usr/bin/time" >&2; exit 1; }
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export OMP_NUM_THREADS=1

source "$(dirname "$0")/scaling-config.sh"

# The config of a record of NSTA single-component stations (scaling_config's
# settings otherwise; the demo's nsta_thresh).
network_config() {
  local days=$1 run=$2
  printf '[run]\ndirectory = "%s"\nseed = 1\n\n' "$run"
  for k in $(seq "$NSTA"); do
    printf '[[stations]]\nnetwork = "SY"\nstation = "S%02d"\nchannels = ["HHZ"]\nfiles = ["data-%dd/SY.S%02d.*.mseed"]\n\n' \
      "$k" "$days" "$k"
  done
  "$QP" demo --print-parameters | sed -e 's/^mad_sampling_rate = .*/mad_sampling_rate = 0.1/' \
    -e "s#^stations_file = .*#stations_file = \"data-${days}d/stations.csv\"#"
}


RESULTS=$WORK/results.$$
: >"$RESULTS"
for d in $LENGTHS; do
  data=$WORK/data-${d}d  # (one folder per length: -n must stay the same for a work folder)
  if [ ! -f "$data/.done" ]; then
    rm -rf "$data"
    printf '[synth]\nseed = 7\nn_stations = %d\nduration_s = %d\nsampling_rate = 100\nn_families = 4\nn_singletons = 3\n' \
      "$NSTA" "$((d * 86400))" >"$WORK/synth-${d}d.toml"
    [ "$NSTA" -gt 1 ] && echo 'components = ["HHZ"]' >>"$WORK/synth-${d}d.toml"
    "$QP" synth "$WORK/synth-${d}d.toml" -o "$data" >"$WORK/synth-${d}d.log" 2>&1 ||
      { tail -20 "$WORK/synth-${d}d.log" >&2; exit 1; }
    touch "$data/.done"
  fi
  run=run-${d}d
  { if [ "$NSTA" -gt 1 ]; then network_config "$d" "$run"; else scaling_config "$QP" "$d" "$run"; fi; } | sed -e '/^min_station_votes = /d' -e 's/^\[search\]$/[search]\nmin_station_votes = 0/' \
    >"$WORK/$run.toml"
  grep -q '^min_station_votes = 0' "$WORK/$run.toml" ||
    { echo "associate-pairs.sh: no [search] min_station_votes in the config" >&2; exit 1; }
  for stage in preprocess fingerprint search; do
    (cd "$WORK" && "$QP" "$stage" "$run.toml" >"$WORK/$run-$stage.log" 2>&1) ||
      { echo "associate-pairs.sh: $stage failed on $d day(s)" >&2; tail -20 "$WORK/$run-$stage.log" >&2; exit 1; }
  done
  for r in $(seq "$RUNS"); do
    for tag in new old; do
      bin=$QP; [ $tag = old ] && bin=$OLD
      [ -n "$bin" ] || continue
      log=$WORK/$run-associate-$tag.log
      (cd "$WORK" && /usr/bin/time -f 'TIME %e %U %S %M' -o "$log.time" "$bin" associate --force "$run.toml" >"$log" 2>&1) ||
        { echo "associate-pairs.sh: associate ($tag) failed on $d day(s)" >&2; tail -20 "$log" >&2; exit 1; }
      awk '/^TIME/ { print $2, $3 + $4, $5 / 1024 }' "$log.time" >>"$WORK/times-${d}d-$tag.$$"
      rm -rf "$WORK/$run-associate-$tag"
      cp -r "$WORK/$run/associate" "$WORK/$run-associate-$tag"
    done
  done
  # The pairs the stage takes in: its summary line ("N station pairs"; one
  # component per station, so the search's pairs at or above channel_threshold).
  pairs=$(grep -o 'associate done: [0-9]* station pairs' "$WORK/$run-associate-new.log" | awk '{ print $3 }')
  for tag in new old; do
    times=$WORK/times-${d}d-$tag.$$
    [ -f "$times" ] || continue
    log=$WORK/$run-associate-$tag.log
    wall=$(awk '{ print $1 }' "$times" | median); cpu=$(awk '{ print $2 }' "$times" | median)
    rss=$(awk '{ print $3 }' "$times" | median)
    printf '%s d %s: %s station pairs; associate CPU %.2f s (runs: %s), wall %.2f s, peak RSS %.0f MB\n' \
      "$d" "$tag" "$pairs" "$cpu" "$(awk '{ printf "%s ", $2 }' "$times")" "$wall" "$rss"
    grep -o 'associate phase CPU s.*' "$log" | sed 's/^/    /' || true
    grep -o 'associate done.*' "$log" | sed 's/^/    /' || true
    echo "$d $pairs $cpu" >>"$RESULTS-$tag"
  done
  if [ -n "$OLD" ]; then
    same=yes
    cmp -s "$WORK/$run-associate-new/fast_detlist.txt" "$WORK/$run-associate-old/fast_detlist.txt" || same=no
    for ds in $(h5ls -r "$WORK/$run-associate-new/network.h5" | awk '$2 == "Dataset" { print $1 }'); do
      h5diff -q "$WORK/$run-associate-new/network.h5" "$WORK/$run-associate-old/network.h5" "$ds" "$ds" >/dev/null 2>&1 ||
        { same=no; echo "    differs: network.h5 $ds"; }
    done
    echo "    outputs (fast_detlist.txt, network.h5 datasets) identical between the binaries: $same"
  fi
done
for tag in new old; do
  [ -f "$RESULTS-$tag" ] || continue
  echo "$tag:"
  awk 'NR == 1 { d0 = $1; p0 = $2; c0 = $3 }
       NR > 1 && p > 0 && $2 > p { printf "  exponent of associate CPU against pairs, %s -> %s d: %.2f\n", pd, $1, log($3 / c) / log($2 / p) }
       { pd = $1; p = $2; c = $3 }
       END { if (NR > 1 && p > p0) printf "  overall, %s -> %s d (%d -> %d pairs): %.2f (1 = linear)\n", d0, pd, p0, p, log(c / c0) / log(p / p0) }' "$RESULTS-$tag"
done
rm -f "$RESULTS" "$RESULTS"-new "$RESULTS"-old "$WORK"/times-*."$$"
