#!/usr/bin/env bash
# Each station of a data set alone (nsta_thresh 1) with a FAST run's own
# parameters: scripts/compare-with-fast.sh -s for every station of
# stations.csv, then one table row per station: reference events with a P
# pick at that station, events matched (first arrival within 2 s of that
# station's reference P), unmatched detections, P picks within 1 s.
#
#   scripts/per-station-fast.sh [-q QUAKEPRINT] [-c CHANNELS] [-e TOML] DATA_DIR FAST_PARAMS_DIR OUT_DIR
#
# -c: only these channels of each station (comma-separated, e.g. HHZ);
# -e: config sections appended (compare-with-fast.sh -e).
set -euo pipefail
QP=build/bin/quakeprint
CHANNELS=""
EXTRA=""
while getopts "q:c:e:" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    c) CHANNELS=$OPTARG ;;
    e) EXTRA=$OPTARG ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || { sed -n '2,11p' "$0"; exit 2; }
DATA=$1 PARAMS=$2 OUT=$3
mkdir -p "$OUT"
opts=(-q "$QP")
[ -z "$CHANNELS" ] || opts+=(-c "$CHANNELS")
[ -z "$EXTRA" ] || opts+=(-e "$EXTRA")
printf '%-8s %10s %8s %10s %8s\n' station ref_with_P matched unmatched "P<=1s"
tot_ref=0 tot_hit=0 tot_false=0
for sta in $(awk -F, 'NR > 1 { print $2 }' "$DATA/stations.csv" | awk '!seen[$0]++'); do
  bash "$(dirname "$0")/compare-with-fast.sh" "${opts[@]}" -s "$sta" "$DATA" "$PARAMS" "$OUT/$sta" >/dev/null
  get() { awk -v k="$1" '$1 == k { print $2; exit }' "$OUT/$sta/summary.txt"; }
  ref=$(get reference_events) hit=$(get matched_first_arrival_2s) false=$(get unmatched_detections)
  p="$(get p_picks_within_1s)/$(get p_picks_compared)"
  printf '%-8s %10s %8s %10s %8s\n' "$sta" "$ref" "$hit" "$false" "$p"
  tot_ref=$((tot_ref + ref)) tot_hit=$((tot_hit + hit)) tot_false=$((tot_false + false))
done
printf '%-8s %10s %8s %10s\n' all "$tot_ref" "$tot_hit" "$tot_false"
