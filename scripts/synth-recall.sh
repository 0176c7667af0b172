#!/usr/bin/env bash
# Recall and precision on synthetic data from the generator's defaults
# (families with correlation 0.5-0.95, events down to 5 s apart), over
# several seeds, with the demo's processing parameters: the acceptance
# measure of the association stage.
#
#   scripts/synth-recall.sh [options] OUT_DIR
#
# Options: -q QUAKEPRINT (binary, default build/bin/quakeprint),
#          -s "SEEDS" (default "1 2 3 4 5 6"),
#          -f NOISE_FILE (real noise whose spectra the generator keeps, e.g.
#          ../shared/data/kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed;
#          default: the generator's coloured noise),
#          -n STATIONS (stations generated, default the generator's 4;
#          with 1 the demo associates at nsta_thresh 1),
#          -c COMPONENTS (e.g. "HHZ" for one component; default the
#          generator's HHZ,HHN,HHE),
#          -m MIN_SNR -k MIN_SNR_STATIONS (the scored events: pick SNR at
#          least MIN_SNR at MIN_SNR_STATIONS stations; default 3 and
#          min(3, STATIONS)),
#          -M MAX_SNR (score only events that do not reach MAX_SNR at
#          MIN_SNR_STATIONS stations: the band [MIN_SNR, MAX_SNR)),
#          -w WEAK (the generator adds WEAK weak members to every family,
#          [synth] weak_events_per_family, their SNR drawn in
#          [MIN_SNR, MAX_SNR) when both are given; e.g. -w 3 -m 1.5 -M 3),
#          -r (re-score the runs already in OUT_DIR/seed<N>: no new data or run).
# For each seed: OUT_DIR/seed<N>/ holds the data, the config, the run and
# the scores. Scored (quakeprint evaluate --family-only --min-snr-stations 3):
# events with a family partner whose picks reach SNR 3 at 3 or more
# stations; a detection matches when its first arrival lies within 2 s of
# the event's earliest true P. Prints one line per seed and the totals:
# recall and precision of the catalog (LSH + matched filtering when the
# demo's [match] runs), P picks within 1 s, and recall and precision of the
# fingerprint-similarity (LSH) events alone (run/catalog-lsh).
set -euo pipefail

QP=build/bin/quakeprint
SEEDS="1 2 3 4 5 6"
NOISE=""
STATIONS=""
COMPONENTS=""
MIN_SNR=3
MIN_SNR_STATIONS=""
MAX_SNR=""
WEAK=""
RESCORE=""
while getopts "q:s:f:n:c:m:k:M:w:r" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    s) SEEDS=$OPTARG ;;
    f) NOISE=$OPTARG ;;
    n) STATIONS=$OPTARG ;;
    c) COMPONENTS=$OPTARG ;;
    m) MIN_SNR=$OPTARG ;;
    k) MIN_SNR_STATIONS=$OPTARG ;;
    M) MAX_SNR=$OPTARG ;;
    w) WEAK=$OPTARG ;;
    r) RESCORE=1 ;;
    *) sed -n '2,35p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,35p' "$0"; exit 2; }
if [ -z "$MIN_SNR_STATIONS" ]; then
  MIN_SNR_STATIONS=3
  [ -n "$STATIONS" ] && [ "$STATIONS" -lt 3 ] && MIN_SNR_STATIONS=$STATIONS
fi
QP=$(cd "$(dirname "$QP")" && pwd)/$(basename "$QP")
[ -z "$NOISE" ] || NOISE=$(cd "$(dirname "$NOISE")" && pwd)/$(basename "$NOISE")
OUT=$1
mkdir -p "$OUT"

tot_ref=0 tot_hit=0 tot_det=0 tot_true=0 tot_p=0 tot_p1=0 tot_lhit=0 tot_ldet=0 tot_ltrue=0
printf '%-6s %8s %8s %8s %8s %10s %10s %10s\n' seed events matched recall precision "P<=1s" lsh_recall lsh_prec
for seed in $SEEDS; do
  dir="$OUT/seed$seed"
  if [ -z "$RESCORE" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    synth=("$QP" synth -o "$dir/data" --seed "$seed")
    [ -z "$NOISE" ] || synth+=(--noise-file "$NOISE")
    [ -z "$STATIONS" ] || synth+=(--stations "$STATIONS")
    if [ -n "$COMPONENTS" ] || [ -n "$WEAK" ]; then
      {
        echo "[synth]"
        [ -z "$COMPONENTS" ] || printf 'components = ["%s"]\n' "$(echo "$COMPONENTS" | sed 's/,/", "/g')"
        if [ -n "$WEAK" ]; then
          echo "weak_events_per_family = $WEAK"
          [ -z "$MAX_SNR" ] || echo "weak_event_snr = [$MIN_SNR, $MAX_SNR]"
        fi
      } >"$dir/synth.toml"
      synth+=("$dir/synth.toml")
    fi
    "${synth[@]}" >"$dir/synth.log" 2>&1
    # demo runs every stage with the demo's parameters on the data it finds.
    "$QP" demo "$dir" >"$dir/demo.log" 2>&1 || { echo "seed $seed: demo failed (see $dir/demo.log)" >&2; exit 1; }
  fi
  band=(--family-only --min-snr "$MIN_SNR" --min-snr-stations "$MIN_SNR_STATIONS")
  [ -z "$MAX_SNR" ] || band+=(--max-snr "$MAX_SNR")
  for cat in catalog catalog-lsh; do
    [ -f "$dir/run/$cat/catalog.csv" ] || continue
    "$QP" evaluate "$dir/run/$cat/catalog.csv" "$dir/data/truth_catalog.csv" \
      --picks "$dir/run/$cat/picks.csv" --reference-picks "$dir/data/truth_picks.csv" \
      "${band[@]}" -o "$dir/score${cat#catalog}" >/dev/null
  done
  get() { awk -F' = ' -v k="$1" '$1 == k { print $2; exit }' "$dir/score${2:-}/evaluation.txt"; }
  ref=$(get n_reference) hit=$(get n_reference_matched) det=$(get n_detections) true=$(get n_matched)
  p=$(get n_p_picks_compared) p1=$(get p_picks_within_1_s)
  lhit=$hit ldet=$det ltrue=$true
  if [ -f "$dir/score-lsh/evaluation.txt" ]; then
    lhit=$(get n_reference_matched -lsh) ldet=$(get n_detections -lsh) ltrue=$(get n_matched -lsh)
  fi
  awk -v s="$seed" -v r="$ref" -v h="$hit" -v d="$det" -v t="$true" -v pp="$p1/$p" -v lh="$lhit" -v ld="$ldet" -v lt="$ltrue" 'BEGIN {
    printf "%-6s %8d %8d %8.3f %8.3f %10s %10.3f %10.3f\n", s, r, h, (r ? h / r : 0), (d ? t / d : 0), pp, (r ? lh / r : 0), (ld ? lt / ld : 0) }'
  tot_ref=$((tot_ref + ref)) tot_hit=$((tot_hit + hit)) tot_det=$((tot_det + det)) tot_true=$((tot_true + true))
  tot_p=$((tot_p + p)) tot_p1=$((tot_p1 + p1))
  tot_lhit=$((tot_lhit + lhit)) tot_ldet=$((tot_ldet + ldet)) tot_ltrue=$((tot_ltrue + ltrue))
done
awk -v r="$tot_ref" -v h="$tot_hit" -v d="$tot_det" -v t="$tot_true" -v p="$tot_p" -v p1="$tot_p1" \
    -v lh="$tot_lhit" -v ld="$tot_ldet" -v lt="$tot_ltrue" 'BEGIN {
  printf "%-6s %8d %8d %8.3f %8.3f %10s %10.3f %10.3f\n", "all", r, h, (r ? h / r : 0), (d ? t / d : 0), p1 "/" p,
    (r ? lh / r : 0), (ld ? lt / ld : 0) }'
