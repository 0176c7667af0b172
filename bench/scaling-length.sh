#!/usr/bin/env bash
# Scaling with the record's length: synthetic data of one station x 3
# components at 100 Hz, 1 day, then longer records (default 1 and 4 days;
# -L "1 7 28" for 1 day, 1 week and 4 weeks), each run through every stage
# of `quakeprint run` (preprocess, fingerprint, search, associate, match,
# export) on one rank. Prints
# per stage and length the wall time, CPU time (user + system) and peak RSS
# (from /usr/bin/time), the exponent of time against length between the
# shortest and the longest record (1 = linear), and the candidate pairs per
# fingerprint (they should grow with the events, not with the noise: the
# number of events does not grow with the length here). One station-year
# (the record's 1 station x 3 components = 3 channels; earlier output called
# it "one channel-year") is extrapolated twice: linearly, and with each stage
# on its own CPU exponent (a lower bound when a stage is a N + b N^2, as the
# search: the exponent rises with the length); each also per channel (a third).
#
# Usage, from the repository root:
#   bench/scaling-length.sh [-q QUAKEPRINT] [-L "DAYS DAYS ..."] [-w WORKDIR]
#                           [-T THREADS] [-f FAMILIES] [-S SEARCH_KEYS]
#   -q  quakeprint binary                 (default: build/bin/quakeprint)
#   -L  record lengths in days            (default: "1 4")
#   -w  work folder                       (default: build-scaling-length)
#   -T  OpenMP threads per stage          (default: 1)
#   -f  repeating families in the data    (default: 4; 3-6 events each, plus
#       3 singletons: a record of noise with few events)
#   -S  lines added to [search]           (default: "max_lag = 86400", the
#       long-record setting: pairs at most a day apart, docs/performance.md;
#       -S "" for the search's own default, no lag, whose pairs grow with
#       the square of the record: 4 weeks then pass memory_budget_mb)
# Writes the table as TSV to WORKDIR/scaling-length.tsv. Results and the
# command used: docs/performance.md.
set -euo pipefail

QP=build/bin/quakeprint
LENGTHS="1 4"
WORK=build-scaling-length
THREADS=1
FAMILIES=4
SEARCH_KEYS="max_lag = 86400"
while getopts "q:L:w:T:f:S:h" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    L) LENGTHS=$OPTARG ;;
    w) WORK=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    f) FAMILIES=$OPTARG ;;
    S) SEARCH_KEYS=$OPTARG ;;
    *) sed -n '2,31p' "$0"; exit 2 ;;
  esac
done
QP=$(cd "$(dirname "$QP")" && pwd)/$(basename "$QP")
[ -x "$QP" ] || { echo "scaling-length.sh: no quakeprint binary at $QP" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "scaling-length.sh: needs /usr/bin/time (Debian package time)" >&2; exit 1; }
STAGES=(preprocess fingerprint search associate match export)
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export OMP_NUM_THREADS=$THREADS

source "$(dirname "$0")/scaling-config.sh"

TSV=$WORK/scaling-length.tsv
echo "scaling-length.sh: [search] keys added: ${SEARCH_KEYS:-none}; $THREADS thread(s); lengths (days): $LENGTHS"
printf 'days\tstage\twall_s\tcpu_s\tpeak_rss_mb\tnote\n' >"$TSV"
for d in $LENGTHS; do
  data=$WORK/data-${d}d
  if [ ! -f "$data/.done" ]; then
    rm -rf "$data"
    printf '[synth]\nseed = 7\nn_stations = 1\nduration_s = %d\nsampling_rate = 100\nn_families = %d\nn_singletons = 3\n' \
      "$((d * 86400))" "$FAMILIES" >"$WORK/synth-${d}d.toml"
    "$QP" synth "$WORK/synth-${d}d.toml" -o "$data" >"$WORK/synth-${d}d.log" 2>&1 ||
      { tail -20 "$WORK/synth-${d}d.log" >&2; exit 1; }
    touch "$data/.done"
  fi
  scaling_config "$QP" "$d" "run-${d}d" | awk -v keys="$SEARCH_KEYS" '{ print } /^\[search\]$/ && keys != "" { print keys }' \
    >"$WORK/run-${d}d.toml"
  rm -rf "${WORK:?}/run-${d}d"
  for st in "${STAGES[@]}"; do
    log=$WORK/run-${d}d.$st.log
    if ! /usr/bin/time -f 'TIME %e %U %S %M' -o "$log.time" "$QP" "$st" "$WORK/run-${d}d.toml" >"$log" 2>&1; then
      echo "scaling-length.sh: $st failed on $d day(s); log tail:" >&2
      tail -20 "$log" >&2
      exit 1
    fi
    note=""
    case $st in
      fingerprint) note=$(grep -o '[0-9]* new fingerprints' "$log" | tail -1 || true) ;;
      search) note=$(grep -o '[0-9]* fingerprints, [0-9]* candidate pairs' "$log" | tail -1 || true) ;;
      match) note=$(grep -o '[0-9]* template[s]*' "$log" | tail -1 || true) ;;
      export) note="$(($(wc -l <"$WORK/run-${d}d/catalog/catalog.csv" 2>/dev/null || echo 1) - 1)) events" ;;
    esac
    awk -v d="$d" -v st="$st" -v note="$note" '/^TIME/ {
      printf "%s\t%s\t%.2f\t%.2f\t%.0f\t%s\n", d, st, $2, $3 + $4, $5 / 1024, note }' "$log.time" >>"$TSV"
  done
  echo "done: $d day(s)" >&2
done

# --- table, exponents, pairs per fingerprint ---
echo "| days | stage | wall s | CPU s | peak RSS MB | note |"
echo "|---|---|---|---|---|---|"
awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$TSV"
echo
awk -F'\t' 'NR > 1 {
    if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
    wall[$1, $2] = $3; cpu[$1, $2] = $4; rss[$1, $2] = $5; tw[$1] += $3; tc[$1] += $4
    if ($2 == "search") { split($6, f, " "); fps[$1] = f[1]; pairs[$1] = f[3] }
    stages[$2] = 1; if (!($2 in sorder)) sorder[$2] = ++ns; sname[sorder[$2]] = $2 }
  END {
    a = order[1]; b = order[n]
    for (i = 1; i <= n; i++) {
      d = order[i]
      printf "%s day(s): total wall %.1f s, CPU %.1f s", d, tw[d], tc[d]
      if (fps[d] > 0) printf "; %d fingerprints, %d candidate pairs, %.3f pairs per fingerprint", fps[d], pairs[d], pairs[d] / fps[d]
      printf "\n"
    }
    if (n < 2 || a == b) exit
    r = log(b / a)
    printf "\nexponent of time against length, %s -> %s day(s) (1 = linear):\n", a, b
    for (s = 1; s <= ns; s++) {
      st = sname[s]
      e = (wall[a, st] > 0 && wall[b, st] > 0) ? log(wall[b, st] / wall[a, st]) / r : 0
      ec = (cpu[a, st] > 0 && cpu[b, st] > 0) ? log(cpu[b, st] / cpu[a, st]) / r : 0
      printf "  %-12s wall %.2f  CPU %.2f  peak RSS ratio %.2f\n", st, e, ec, rss[b, st] / rss[a, st]
    }
    printf "  %-12s wall %.2f  CPU %.2f\n", "total", log(tw[b] / tw[a]) / r, log(tc[b] / tc[a]) / r
    # The record is one station x 3 components: 3 channels. The figure called
    # "channel-year" before is this station-year; per channel it is a third.
    printf "one station-year (1 station x 3 components = 3 channels; earlier called \"one channel-year\") extrapolated linearly from %s day(s): %.1f min wall, %.1f min CPU\n", b, tw[b] * 365 / b / 60, tc[b] * 365 / b / 60
    printf "  per channel (a third of it): %.1f min wall, %.1f min CPU per channel-year\n", tw[b] * 365 / b / 60 / 3, tc[b] * 365 / b / 60 / 3
    # Each stage on its own measured power law (CPU): a superlinear stage is not hidden by the linear ones.
    yc = 0
    for (s = 1; s <= ns; s++) {
      st = sname[s]
      ec = (cpu[a, st] > 0 && cpu[b, st] > 0) ? log(cpu[b, st] / cpu[a, st]) / r : 1
      yc += cpu[b, st] * exp(ec * log(365 / b))
    }
    printf "one station-year (3 channels), each stage extrapolated with its own CPU exponent from %s -> %s day(s): %.1f min CPU (per channel %.1f)\n", a, b, yc / 60, yc / 60 / 3
    if (fps[a] > 0 && fps[b] > 0 && pairs[a] > 0)
      printf "candidate pairs grow with exponent %.2f against length (fingerprints: %.2f)\n",
             log(pairs[b] / pairs[a]) / r, log(fps[b] / fps[a]) / r
  }' "$TSV"
