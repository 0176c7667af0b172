# e2e_single_station_iceland: station LIND of the Iceland recordings alone,
# with the FAST reference run's parameters (import-fast) and nsta_thresh 1
# (scripts/compare-with-fast.sh -s): its events match the catalog's events
# within 2 s of LIND's own reference P, with few unmatched detections; then
# its vertical channel alone (the issue's case, once "no network events").
# Measured: LIND 7 of 18 matched, 0 unmatched; LIND HHZ 7 of 18, 1.
QP=$1 SHARED=$2 WORK=$3
source "$(dirname "$0")/lib.sh"
data="$SHARED/data/iceland-z7-2014"
params="$SHARED/reference/fast-iceland/parameters"
[ -d "$data" ] && [ -d "$params" ] || skip "shared data or FAST reference absent under $SHARED"
run_one() {  # run_one NAME MIN_MATCHED MAX_UNMATCHED [compare-with-fast options]
  local name=$1 min_matched=$2 max_unmatched=$3 out="$WORK/single-station-iceland-$1"
  shift 3
  rm -rf "$out"
  bash "$(dirname "$0")/../../scripts/compare-with-fast.sh" -q "$QP" "$@" "$data" "$params" "$out" >/dev/null
  echo "== $name"
  cat "$out/summary.txt"
  get() { awk -v k="$1" '$1 == k { print $2; exit }' "$out/summary.txt"; }
  [ "$(get matched_first_arrival_2s)" -ge "$min_matched" ] || fail "$name: matched $(get matched_first_arrival_2s) < $min_matched"
  [ "$(get unmatched_detections)" -le "$max_unmatched" ] || fail "$name: unmatched $(get unmatched_detections) > $max_unmatched"
  [ "$(get located)" -eq 0 ] || fail "$name: one station located $(get located) events"
}
run_one LIND 6 1 -s LIND
run_one LIND-HHZ 6 2 -s LIND -c HHZ
echo "PASS"
