#!/usr/bin/env bash
# Runs quakeprint with a FAST run's own parameters (preprocess and fingerprint
# mode "fast": FAST's samples, windows and arithmetic) on a data set with a
# reference catalog, and scores it the way FAST users compare detectors.
#
#   scripts/compare-with-fast.sh [options] DATA_DIR FAST_PARAMS_DIR OUT_DIR
#
# DATA_DIR        miniSEED/SAC files, stations.csv (network,station,location,
#                 channel,latitude,longitude,elevation_m), catalog.csv and
#                 optionally picks.csv (the layout of ../shared/data).
# FAST_PARAMS_DIR FAST's parameter files: fingerprint/fp_input_*.json,
#                 config.json (similarity search) and postprocess/*network*.json.
# OUT_DIR         config.toml, the run store (run/) and the scores
#                 (eval-arrival/, eval-origin/, summary.txt).
#
# Options: -q QUAKEPRINT (binary, default build/bin/quakeprint),
#          -n RANKS (default 1), -b "FREQMIN FREQMAX" (FAST's band-pass, which
#          its parameter files do not record; default "2 20"), -g GLOB (data
#          files, default "*.mseed"), -f FAST_FP_DIR (FAST's fingerprints/
#          folder: also compare fingerprints, see below), -r REFERENCE
#          (reference catalog instead of DATA_DIR/catalog.csv: any CSV with a
#          time column, see docs/catalog-format.md), -s STATION (that station
#          alone, at nsta_thresh 1; reference picks at that station only, so
#          events match within 2 s of the station's own reference P),
#          -c CHANNELS (with -s: only these channels of it, comma-separated),
#          -e TOML (a file of config sections the import does not write,
#          appended to the config: e.g. "[match]" and "enabled = false" for
#          the fingerprint-similarity events alone).
# Prints the summary: events matched (first arrival within 2 s of the
# reference's earliest P), unmatched detections, P picks within 1 s, and
# origins within 2 s where quakeprint located the event.
# With -f: for every FAST <STA>.<CHA>.fp there (with its .ts), our
# fingerprints of that channel are exported (OUT_DIR/fingerprints/) and
# compared by time (quakeprint compare-fingerprints; OUT_DIR/fingerprints/
# <STA>.<CHA>.parity.txt); the summary gets, over all those channels, FAST's
# fingerprints, how many have one of ours at the same time, how many of those
# are bit-identical and how many have Jaccard >= 0.9.
set -euo pipefail

QP=build/bin/quakeprint
RANKS=1
BAND="2 20"
GLOB="*.mseed"
FAST_FP=""
REFERENCE=""
STATION=""
CHANNELS=""
EXTRA=""
while getopts "q:n:b:g:f:r:s:c:e:" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    n) RANKS=$OPTARG ;;
    b) BAND=$OPTARG ;;
    g) GLOB=$OPTARG ;;
    f) FAST_FP=$(cd "$OPTARG" && pwd) ;;
    r) REFERENCE=$OPTARG ;;
    s) STATION=$OPTARG ;;
    c) CHANNELS=$OPTARG ;;
    e) EXTRA=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
    *) sed -n '2,37p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || { sed -n '2,37p' "$0"; exit 2; }
[ -z "$EXTRA" ] || [ -f "$EXTRA" ] || { echo "compare-with-fast: $EXTRA is missing (-e)" >&2; exit 2; }
DATA=$(cd "$1" && pwd)
PARAMS=$(cd "$2" && pwd)
OUT=$3
QP=$(cd "$(dirname "$QP")" && pwd)/$(basename "$QP")
[ -n "$REFERENCE" ] || REFERENCE=$DATA/catalog.csv
for f in "$DATA/stations.csv" "$REFERENCE" "$PARAMS/config.json"; do
  [ -f "$f" ] || { echo "compare-with-fast: $f is missing" >&2; exit 2; }
done
REFERENCE=$(cd "$(dirname "$REFERENCE")" && pwd)/$(basename "$REFERENCE")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# The stations run: all of stations.csv, or the one asked for.
STATIONS_CSV=$DATA/stations.csv
REF_PICKS=$DATA/picks.csv
if [ -n "$STATION" ]; then
  awk -F, -v s="$STATION" -v c=",$CHANNELS," 'NR == 1 || ($2 == s && (c == ",," || index(c, "," $4 ",")))' \
    "$DATA/stations.csv" >"$OUT/stations.csv"
  [ "$(wc -l <"$OUT/stations.csv")" -gt 1 ] || { echo "compare-with-fast: no station $STATION in $DATA/stations.csv" >&2; exit 2; }
  STATIONS_CSV=$OUT/stations.csv
  if [ -f "$DATA/picks.csv" ]; then  # picks name the station in column 2 (STA or NET.STA.LOC.CHA)
    awk -F, -v s="$STATION" 'NR == 1 { print; next } { n = split($2, p, "."); if ((n == 1 ? p[1] : p[2]) == s) print }' \
      "$DATA/picks.csv" >"$OUT/reference_picks.csv"
    REF_PICKS=$OUT/reference_picks.csv
  fi
fi
launch=()
if [ "$RANKS" -gt 1 ]; then
  launch=(mpiexec -n "$RANKS" --oversubscribe)
  [ "$(id -u)" -eq 0 ] && launch+=(--allow-run-as-root)
fi

# 1. FAST's parameters, as import-fast translates them.
network_json=$(ls "$PARAMS"/postprocess/*network*.json | head -1)
"$QP" import-fast --fingerprint "$PARAMS"/fingerprint/fp_input_*.json \
  --search "$PARAMS/config.json" --network "$network_json" -o "$OUT/imported.toml" 2>"$OUT/import.log"
read -r fmin fmax <<<"$BAND"

# 2. The config: imported sections, the band, every station of stations.csv,
#    and locations from its coordinates.
{
  printf '[run]\ndirectory = "run"\nname = "compare-with-fast"\n\n'
  # FAST's windows and arithmetic too (docs/fingerprints.md): fingerprint mode "fast".
  nsta_rule=""
  [ -n "$STATION" ] && nsta_rule='s/^nsta_thresh = .*/nsta_thresh = 1/'
  sed -e "s/^# freqmin, freqmax.*/freqmin = $fmin\nfreqmax = $fmax/" \
      -e 's/^\[fingerprint\]$/[fingerprint]\nmode = "fast"/' ${nsta_rule:+-e "$nsta_rule"} "$OUT/imported.toml"
  printf '\n[location]\nenabled = true\nstations_file = "%s"\n' "$STATIONS_CSV"
  # One [[stations]] entry per NET.STA.LOC with its channels, in file order.
  awk -F, -v glob="$DATA/$GLOB" 'NR > 1 {
      key = $1 "." $2 "." $3
      if (!(key in chans)) { order[++n] = key; net[key] = $1; sta[key] = $2; loc[key] = $3 }
      chans[key] = chans[key] (chans[key] == "" ? "" : ", ") "\"" $4 "\""
    }
    END {
      for (i = 1; i <= n; ++i) {
        k = order[i]
        printf "\n[[stations]]\nnetwork = \"%s\"\nstation = \"%s\"\nlocation = \"%s\"\nchannels = [%s]\nfiles = [\"%s\"]\n",
               net[k], sta[k], loc[k], chans[k], glob
      }
    }' "$STATIONS_CSV"
  [ -z "$EXTRA" ] || { echo; cat "$EXTRA"; }
} >"$OUT/config.toml"

# 3. Every stage, then the scores.
(cd "$OUT" && "${launch[@]}" "$QP" run config.toml >run.log 2>&1) || { tail -20 "$OUT/run.log" >&2; exit 1; }
picks=()
[ -f "$REF_PICKS" ] && picks=(--picks "$OUT/run/catalog/picks.csv" --reference-picks "$REF_PICKS")
"$QP" evaluate "$OUT/run/catalog/catalog.csv" "$REFERENCE" "${picks[@]}" \
  --match arrival -o "$OUT/eval-arrival" >"$OUT/eval-arrival.txt"
"$QP" evaluate "$OUT/run/catalog/catalog.csv" "$REFERENCE" \
  --match origin -o "$OUT/eval-origin" >"$OUT/eval-origin.txt"

# Fingerprint parity over every channel FAST_FP has fingerprints of.
fingerprint_parity() {
  local fp sta cha sid total=0 same=0 ident=0 jac=0 n=0
  mkdir -p "$OUT/fingerprints"
  for fp in "$FAST_FP"/*.fp; do
    [ -f "${fp%.fp}.ts" ] || continue
    sta=$(basename "$fp" .fp); cha=${sta#*.}; sta=${sta%%.*}
    # The SEED id of that station and channel in stations.csv.
    sid=$(awk -F, -v s="$sta" -v c="$cha" 'NR > 1 && $2 == s && $4 == c { print $1 "." $2 "." $3 "." $4; exit }' "$DATA/stations.csv")
    [ -n "$sid" ] || continue
    (cd "$OUT" && "$QP" fingerprint config.toml --export-fast "$sid" --export-dir "$OUT/fingerprints" >>run.log 2>&1)
    "$QP" compare-fingerprints "$OUT/fingerprints/$sid.fp" "$fp" -o "$OUT/fingerprints/$sta.$cha.parity.txt" >/dev/null
    get() { awk -v k="$1" '$1 == k { print $2; exit }' "$OUT/fingerprints/$sta.$cha.parity.txt"; }
    total=$((total + $(get fast_fingerprints))); same=$((same + $(get same_time)))
    ident=$((ident + $(get bit_identical))); jac=$((jac + $(get jaccard_ge_0.9))); n=$((n + 1))
  done
  echo "fingerprint_channels $n"
  echo "fast_fingerprints $total"
  echo "fingerprints_same_time $same"
  echo "fingerprints_bit_identical $ident"
  echo "fingerprints_jaccard_ge_0.9 $jac"
}

# First "key = value" of an evaluation.txt (later ones belong to the bins).
value() { awk -F' = ' -v k="$2" '$1 == k { print $2; exit }' "$1"; }
A=$OUT/eval-arrival/evaluation.txt
O=$OUT/eval-origin/evaluation.txt
located=$(awk -F, 'NR > 1 && $3 != ""' "$OUT/run/catalog/catalog.csv" | wc -l)
{
  echo "detections $(value "$A" n_detections)"
  echo "reference_events $(value "$A" n_reference) (with a P pick)"
  echo "matched_first_arrival_2s $(value "$A" n_matched)"
  echo "unmatched_detections $(value "$A" n_false)"
  if [ -n "$(value "$A" n_p_picks_compared)" ]; then
    echo "p_picks_compared $(value "$A" n_p_picks_compared)"
    echo "p_picks_within_1s $(value "$A" p_picks_within_1_s) ($(value "$A" p_fraction_within_1_s))"
  fi
  echo "located $located"
  echo "matched_origin_2s $(value "$O" n_matched)"
  [ -z "$FAST_FP" ] || fingerprint_parity
} | tee "$OUT/summary.txt"
