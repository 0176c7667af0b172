#!/usr/bin/env bash
# Phases and locations on a sparse network (issue 13): a synthetic network of
# 3 stations 12-35 km from the sources' centre, spread in azimuth (so 20-60 km
# apart; the pairwise distances are printed), over several seeds, run with the
# demo's parameters (nsta_thresh 2, location on).
#
#   scripts/synth-network.sh [options] OUT_DIR
#
# Options: -q QUAKEPRINT (binary, default build/bin/quakeprint),
#          -s "SEEDS" (default "1 2 3"),
#          -f NOISE_FILE (real noise for the generator, e.g.
#          ../shared/data/kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed;
#          default the generator's coloured noise),
#          -r (re-score the runs already in OUT_DIR/seed<N>).
# For each seed, OUT_DIR/seed<N>/ holds the data, the run and the scores
# (quakeprint evaluate, all reference events, first arrival within 2 s).
# Over the catalog events matched to a true event it prints:
#   S_within_0.5s: S-labelled picks within 0.5 s of that event's true S at
#     the pick's station (over every S-labelled pick of a matched event);
#   epi_within_5km: located events with P onsets at 3 stations and S onsets
#     at 2 or more whose epicentre lies within 5 km of the true one.
# Picks with an uncertainty of 1 s or more are estimates, not onsets
# (docs/catalog-format.md), and are left out of both.
set -euo pipefail

QP=build/bin/quakeprint
SEEDS="1 2 3"
NOISE=""
RESCORE=""
while getopts "q:s:f:r" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    s) SEEDS=$OPTARG ;;
    f) NOISE=$OPTARG ;;
    r) RESCORE=1 ;;
    *) sed -n '2,25p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,25p' "$0"; exit 2; }
QP=$(cd "$(dirname "$QP")" && pwd)/$(basename "$QP")
[ -z "$NOISE" ] || NOISE=$(cd "$(dirname "$NOISE")" && pwd)/$(basename "$NOISE")
OUT=$1
mkdir -p "$OUT"

# score.awk: reads stations.csv, truth_catalog.csv, truth_picks.csv,
# matched.csv, catalog.csv, picks.csv (in that order) and prints
# "s_total s_within epi_total epi_within distances".
score_awk='
function days(y, m, d) {  # days since 1970-01-01 (civil calendar)
  y -= m <= 2; era = int(y / 400); yoe = y - era * 400
  doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
}
function secs(t) {  # ISO 8601 Z -> seconds since the epoch
  day = days(substr(t, 1, 4) + 0, substr(t, 6, 2) + 0, substr(t, 9, 2) + 0)
  return day * 86400 + substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18, length(t) - 18)
}
function station(sid) { split(sid, part, "."); return part[1] "." part[2] }
function km(la1, lo1, la2, lo2) {
  dy = (la2 - la1) * 111.195; dx = (lo2 - lo1) * 111.195 * cos((la1 + la2) / 2 * 3.14159265 / 180)
  return sqrt(dx * dx + dy * dy)
}
FNR == 1 { file++; next }
file == 1 { lat[$2] = $5; lon[$2] = $6; next }
file == 2 { tlat[$1] = $4; tlon[$1] = $5; next }
file == 3 { if ($3 == "S") ts[$1, station($2)] = secs($4); next }
file == 4 { ref[$1] = $2; next }
file == 5 { elat[$1] = $4; elon[$1] = $5; next }
file == 6 {
  if (!($1 in ref) || $5 >= 1) next
  st = station($2)
  if ($3 == "S") {
    s_total++
    if ((ref[$1], st) in ts) { d = secs($4) - ts[ref[$1], st]; s_within += (d < 0 ? -d : d) <= 0.5 }
  }
  if (!(($1, $3, st) in seen)) { seen[$1, $3, st] = 1; n[$1, $3]++ }
}
END {
  for (e in ref) {
    if (elat[e] == "" || n[e, "P"] < 3 || n[e, "S"] < 2) continue
    epi_total++
    epi_within += km(elat[e], elon[e], tlat[ref[e]], tlon[ref[e]]) <= 5
  }
  dist = ""
  for (s1 in lat) for (s2 in lat) if (s1 < s2) dist = dist sprintf(" %.0f", km(lat[s1], lon[s1], lat[s2], lon[s2]))
  printf "%d %d %d %d%s\n", s_total, s_within, epi_total, epi_within, dist
}'

tot_s=0 tot_s5=0 tot_e=0 tot_e5=0
printf '%-6s %12s %14s %s\n' seed S_within_0.5s epi_within_5km "station distances (km)"
for seed in $SEEDS; do
  dir="$OUT/seed$seed"
  if [ -z "$RESCORE" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    printf '[synth]\nn_stations = 3\nstation_min_distance_km = 12\nstation_max_distance_km = 35\n' >"$dir/synth.toml"
    synth=("$QP" synth -o "$dir/data" --seed "$seed" "$dir/synth.toml")
    [ -z "$NOISE" ] || synth+=(--noise-file "$NOISE")
    "${synth[@]}" >"$dir/synth.log" 2>&1
    "$QP" demo "$dir" >"$dir/demo.log" 2>&1 || { echo "seed $seed: demo failed (see $dir/demo.log)" >&2; exit 1; }
  fi
  "$QP" evaluate "$dir/run/catalog/catalog.csv" "$dir/data/truth_catalog.csv" \
    --picks "$dir/run/catalog/picks.csv" --reference-picks "$dir/data/truth_picks.csv" -o "$dir/score" >/dev/null
  read -r s s5 e e5 dist < <(awk -F, "$score_awk" "$dir/data/stations.csv" "$dir/data/truth_catalog.csv" \
    "$dir/data/truth_picks.csv" "$dir/score/matched.csv" "$dir/run/catalog/catalog.csv" "$dir/run/catalog/picks.csv")
  printf '%-6s %12s %14s %s\n' "$seed" "$s5/$s" "$e5/$e" "$dist"
  tot_s=$((tot_s + s)) tot_s5=$((tot_s5 + s5)) tot_e=$((tot_e + e)) tot_e5=$((tot_e5 + e5))
done
awk -v s="$tot_s" -v s5="$tot_s5" -v e="$tot_e" -v e5="$tot_e5" 'BEGIN {
  printf "%-6s %12s %14s\n", "all", s5 "/" s, e5 "/" e
  printf "S-labelled picks within 0.5 s of the true S: %.3f; epicentres within 5 km (P at 3, S at >= 2): %.3f\n",
    (s ? s5 / s : 0), (e ? e5 / e : 0) }'
