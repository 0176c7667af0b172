#!/usr/bin/env bash
# A one-hour, one-channel record with dense repeating events (the proxy of
# issue 13's volcano record: ~170 events an hour in a few families, two of
# them bursts with events 5-20 s apart, families overlapping in time), on
# real noise, detected at nsta_thresh 1 with the demo's parameters; scored
# at onset times against the truth, for the final catalog and for the
# fingerprint-similarity (LSH) events alone, the FAST-like baseline.
#
#   scripts/dense-swarm.sh -f NOISE_FILE [options] OUT_DIR
#
# Options: -q QUAKEPRINT (binary, default build/bin/quakeprint),
#          -s "SEEDS" (default "1 2 3"),
#          -f NOISE_FILE (required: real noise, e.g.
#          ../shared/data/kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed),
#          -l (the low-frequency variant: emergent events, 1-5 Hz, low stress
#          drop, as volcanic repeaters often are; the processing band
#          ([preprocess], [fingerprint]) and the SNR band set to 1-5 Hz, as
#          a user sets the band to the signal),
#          -e N (events per family drawn in [N, N + 15], default 35: four
#          families, 5 one-off events),
#          -d SECONDS (record length, default 3600),
#          -m MIN_SNR (score events whose P pick reaches this SNR, default 5),
#          -p PARAMS (processing parameters instead of the demo's: a TOML file
#          of [preprocess] ... [match] sections, such as `quakeprint
#          import-fast` writes from a FAST run's parameter files with
#          [preprocess] freqmin and freqmax filled in; nsta_thresh is set to
#          1, and [match] enabled where the file has no [match] section),
#          -r (re-score the runs already in OUT_DIR/seed<N>).
# For each seed, OUT_DIR/seed<N>/ holds the data (data/, truth in
# data/truth_*.csv), the config (config.toml), the run (run/: the final
# catalog in run/catalog, the LSH events alone in run/catalog-lsh) and the
# scores (score/, score-lsh/). Scored like scripts/synth-recall.sh
# (quakeprint evaluate --family-only -k 1): a detection is correct when its
# first arrival lies within 2 s of the event's true P. Prints per seed:
# events scored, catalog matched, recall, precision, P picks within 1 s;
# the same for the LSH events; and the totals.
set -euo pipefail

QP=build/bin/quakeprint
SEEDS="1 2 3"
NOISE=""
LOWFREQ=""
PER_FAMILY=35
DURATION=3600
MIN_SNR=5
RESCORE=""
PARAMS=""
while getopts "q:s:f:le:d:m:p:r" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    s) SEEDS=$OPTARG ;;
    f) NOISE=$OPTARG ;;
    l) LOWFREQ=1 ;;
    e) PER_FAMILY=$OPTARG ;;
    d) DURATION=$OPTARG ;;
    m) MIN_SNR=$OPTARG ;;
    p) PARAMS=$OPTARG ;;
    r) RESCORE=1 ;;
    *) sed -n '2,36p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,36p' "$0"; exit 2; }
[ -n "$NOISE" ] || { echo "dense-swarm.sh: give a real noise file with -f" >&2; exit 2; }
[ -f "$NOISE" ] || { echo "dense-swarm.sh: noise file $NOISE is absent (-f)" >&2; exit 2; }
QP=$(cd "$(dirname "$QP")" && pwd)/$(basename "$QP")
NOISE=$(cd "$(dirname "$NOISE")" && pwd)/$(basename "$NOISE")
if [ -n "$PARAMS" ]; then
  [ -f "$PARAMS" ] || { echo "dense-swarm.sh: parameters file $PARAMS is absent (-p)" >&2; exit 2; }
  PARAMS=$(cd "$(dirname "$PARAMS")" && pwd)/$(basename "$PARAMS")
fi
OUT=$1
mkdir -p "$OUT"

# The scenario: four families, two of them bursts (spacings 5-20 s), the
# other two spread over the record (at least 5 s apart within a family);
# events of different families may overlap. Amplitudes such that the
# smallest events lie near the noise (pick SNR a few) and the largest
# stand well above it.
synth_toml() {
  cat <<TOML
[synth]
duration_s = $DURATION
components = ["HHZ"]
n_families = 4
events_per_family = [$PER_FAMILY, $((PER_FAMILY + 15))]
n_swarm_families = 2
min_interevent_s = 5
n_singletons = 5
amplitude_scale = 1000
TOML
  if [ -n "$LOWFREQ" ]; then
    # Low-frequency, emergent: a low stress drop puts the Brune corner
    # (and so the rise time, half a corner period) near 1-3 Hz.
    cat <<TOML
signal_fmin_hz = 1.0
signal_fmax_hz = 5.0
stress_drop_mpa = 0.03
snr_band_hz = [1.0, 5.0]
TOML
  fi
}

# The demo's processing parameters (or -p's) at nsta_thresh 1, in the signal's band.
run_config() {
  local data=$1
  printf '[run]\ndirectory = "run"\nseed = 1\n\n'
  awk -F, 'NR == 2 { printf "[[stations]]\nnetwork = \"%s\"\nstation = \"%s\"\nchannels = [\"HHZ\"]\nfiles = [\"data/*.mseed\"]\n\n", $1, $2 }' \
    "$data/stations.csv"
  local params
  if [ -n "$PARAMS" ]; then
    params=$(sed -e 's/^nsta_thresh *=.*/nsta_thresh = 1/' "$PARAMS")
    grep -q '^\[match\]' "$PARAMS" || params=$(printf '%s\n\n[match]\nenabled = true\n' "$params")
  else
    params=$("$QP" demo --print-parameters)
    params=${params/nsta_thresh = 2/nsta_thresh = 1}
  fi
  if [ -n "$LOWFREQ" ]; then
    params=$(printf '%s\n' "$params" | sed -e 's/^freqmin = .*/freqmin = 1.0/' -e 's/^freqmax = .*/freqmax = 5.0/' \
      -e 's/^min_freq = .*/min_freq = 1.0/' -e 's/^max_freq = .*/max_freq = 5.0/')
  fi
  printf '%s\n' "$params"
}

score() {  # score DIR CATALOG SUFFIX
  "$QP" evaluate "$1/run/$2/catalog.csv" "$1/data/truth_catalog.csv" \
    --picks "$1/run/$2/picks.csv" --reference-picks "$1/data/truth_picks.csv" \
    --family-only --min-snr "$MIN_SNR" --min-snr-stations 1 -o "$1/score$3" >/dev/null
}

tot_ref=0 tot_hit=0 tot_det=0 tot_true=0 tot_p=0 tot_p1=0 tot_lhit=0 tot_ldet=0 tot_ltrue=0 tot_lp=0 tot_lp1=0
printf '%-6s %7s %8s %8s %9s %9s %8s %8s %9s %9s\n' seed events matched recall precision "P<=1s" \
  lsh_hit lsh_rec lsh_prec "lshP<=1s"
for seed in $SEEDS; do
  dir="$OUT/seed$seed"
  if [ -z "$RESCORE" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    synth_toml >"$dir/synth.toml"
    "$QP" synth -o "$dir/data" --seed "$seed" --stations 1 --noise-file "$NOISE" "$dir/synth.toml" \
      >"$dir/synth.log" 2>&1 || { echo "seed $seed: synth failed (see $dir/synth.log)" >&2; exit 1; }
    run_config "$dir/data" >"$dir/config.toml"
    # The LSH events alone: every stage but matching; then matching and
    # export again (the earlier stages' units are reused).
    awk '/^\[/ { m = ($0 == "[match]") } m && /^enabled = / { $0 = "enabled = false" } { print }' \
      "$dir/config.toml" >"$dir/config-lsh.toml"
    grep -qx 'enabled = false' "$dir/config-lsh.toml" || { echo "no [match] enabled in the demo parameters" >&2; exit 1; }
    (cd "$dir" && "$QP" run config-lsh.toml >run-lsh.log 2>&1) || { echo "seed $seed: run failed (see $dir/run-lsh.log)" >&2; exit 1; }
    rm -rf "$dir/run/catalog-lsh"
    mv "$dir/run/catalog" "$dir/run/catalog-lsh"
    (cd "$dir" && "$QP" run config.toml >run.log 2>&1) || { echo "seed $seed: run failed (see $dir/run.log)" >&2; exit 1; }
  fi
  score "$dir" catalog ""
  score "$dir" catalog-lsh -lsh
  get() { awk -F' = ' -v k="$1" '$1 == k { print $2; exit }' "$dir/score${2:-}/evaluation.txt"; }
  ref=$(get n_reference) hit=$(get n_reference_matched) det=$(get n_detections) true=$(get n_matched)
  p=$(get n_p_picks_compared) p1=$(get p_picks_within_1_s)
  lhit=$(get n_reference_matched -lsh) ldet=$(get n_detections -lsh) ltrue=$(get n_matched -lsh)
  lp=$(get n_p_picks_compared -lsh) lp1=$(get p_picks_within_1_s -lsh)
  awk -v s="$seed" -v r="$ref" -v h="$hit" -v d="$det" -v t="$true" -v pp="$p1/$p" \
      -v lh="$lhit" -v ld="$ldet" -v lt="$ltrue" -v lpp="$lp1/$lp" 'BEGIN {
    printf "%-6s %7d %8d %8.3f %9.3f %9s %8d %8.3f %9.3f %9s\n", s, r, h, (r ? h / r : 0), (d ? t / d : 0), pp,
      lh, (r ? lh / r : 0), (ld ? lt / ld : 0), lpp }'
  tot_ref=$((tot_ref + ref)) tot_hit=$((tot_hit + hit)) tot_det=$((tot_det + det)) tot_true=$((tot_true + true))
  tot_p=$((tot_p + p)) tot_p1=$((tot_p1 + p1))
  tot_lhit=$((tot_lhit + lhit)) tot_ldet=$((tot_ldet + ldet)) tot_ltrue=$((tot_ltrue + ltrue))
  tot_lp=$((tot_lp + lp)) tot_lp1=$((tot_lp1 + lp1))
done
awk -v r="$tot_ref" -v h="$tot_hit" -v d="$tot_det" -v t="$tot_true" -v pp="$tot_p1/$tot_p" \
    -v lh="$tot_lhit" -v ld="$tot_ldet" -v lt="$tot_ltrue" -v lpp="$tot_lp1/$tot_lp" 'BEGIN {
  printf "%-6s %7d %8d %8.3f %9.3f %9s %8d %8.3f %9.3f %9s\n", "all", r, h, (r ? h / r : 0), (d ? t / d : 0), pp,
    lh, (r ? lh / r : 0), (ld ? lt / ld : 0), lpp }'
