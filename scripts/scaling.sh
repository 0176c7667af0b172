#!/usr/bin/env bash
# MPI strong scaling of quakeprint on one node: one synthetic network, every
# stage timed at 1, 2, 4, ... ranks (OMP_NUM_THREADS=1, so ranks are the only
# parallelism), and the catalog of every rank count compared byte for byte
# with the 1-rank catalog (QuakeML: apart from its creation time).
#
# Usage, from the repository root:
#   scripts/scaling.sh [-q QUAKEPRINT] [-l LAUNCHER] [-n MAX_RANKS]
#                      [-d SECONDS] [-s STATIONS] [-w WORKDIR] [-T THREADS]
#   -q  quakeprint binary                     (default: build/bin/quakeprint)
#   -l  MPI launcher, called as LAUNCHER -n N QUAKEPRINT STAGE CONFIG
#       (default: "mpiexec --bind-to none": Open MPI otherwise pins 1 or 2
#       ranks to one core each, which would serialise the -T run's threads)
#   -n  largest rank count; runs 1, 2, 4, ... up to it (default: nproc)
#   -d  seconds of 100 Hz data per channel     (default: 10800)
#   -s  stations, 3 components each           (default: 16)
#   -w  work folder: data, configs, run directories, logs (default: build-scaling/work)
#   -T  also time 1 rank with THREADS OpenMP threads (default: off)
#   -r  runs per case; each stage's time is the median (default: 1)
#   -a  network stage only: preprocess, fingerprint and search run once
#       (1 rank, untimed); each case times associate and export on a copy
#
# Prints a markdown table (seconds per stage, total, speed-up and efficiency
# against 1 rank, outputs identical to 1 rank), a second with each stage's
# speed-up against 1 rank, a third with associate's wall time and the CPU
# seconds of each of its phases on the slowest rank (the stage's "associate
# phase CPU" log line; medians over the runs), and writes the first as TSV
# to WORKDIR/scaling.tsv, the third to WORKDIR/associate.tsv. Each stage is timed from outside (launcher start to
# exit), so MPI start-up is included. As root, Open MPI also needs
# OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1. Results and the
# exact command of a 16-core run: docs/scaling.md. Example, 2 cores, a short
# workload:
#
#   scripts/scaling.sh -n 2 -d 1800
#
# The network stage alone, 1 and 2 ranks, five runs each (docs/scaling.md):
#
#   scripts/scaling.sh -n 2 -a -r 5
set -euo pipefail

QP=build/bin/quakeprint
LAUNCHER="mpiexec --bind-to none"
MAXN=$(nproc)
DURATION=10800
STATIONS=16
WORK=build-scaling/work
THREADS=0
REPEATS=1
NETWORK_ONLY=0
while getopts "q:l:n:d:s:w:T:r:ah" opt; do
  case $opt in
    q) QP=$OPTARG ;;
    l) LAUNCHER=$OPTARG ;;
    n) MAXN=$OPTARG ;;
    d) DURATION=$OPTARG ;;
    s) STATIONS=$OPTARG ;;
    w) WORK=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    r) REPEATS=$OPTARG ;;
    a) NETWORK_ONLY=1 ;;
    *) sed -n '2,36p' "$0"; exit 2 ;;
  esac
done
QP=$(cd "$(dirname "$QP")" && pwd)/$(basename "$QP")
[ -x "$QP" ] || { echo "scaling.sh: no quakeprint binary at $QP" >&2; exit 1; }
read -r -a LAUNCH <<<"$LAUNCHER"
STAGES=(preprocess fingerprint search associate export)
UPSTREAM=(preprocess fingerprint search)
[ "$NETWORK_ONLY" = 1 ] && STAGES=(associate export)
mkdir -p "$WORK/logs"
WORK=$(cd "$WORK" && pwd)
now() { date +%s.%N; }

# --- workload: synthetic network (reused when the same size is asked again) ---
stamp="stations=$STATIONS duration=$DURATION"
if [ "$(cat "$WORK/data/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$WORK/data"
  cat >"$WORK/synth.toml" <<EOF
[synth]
seed = 7
n_stations = $STATIONS
duration_s = $DURATION
sampling_rate = 100
n_families = 6
n_singletons = 6
EOF
  t0=$(now)
  "${LAUNCH[@]}" -n 1 "$QP" synth "$WORK/synth.toml" -o "$WORK/data" >"$WORK/logs/synth.log" 2>&1 ||
    { tail -20 "$WORK/logs/synth.log" >&2; exit 1; }
  echo "$stamp" >"$WORK/data/.stamp"
  echo "synth: $STATIONS stations x 3 components, $DURATION s at 100 Hz in $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s" >&2
fi

# --- one config per run: same data and parameters, own run directory ---
write_config() {  # $1 = run directory name
  {
    printf '[run]\ndirectory = "%s"\nseed = 1\n' "$1"
    for i in $(seq 1 "$STATIONS"); do
      s=$(printf 'S%02d' "$i")
      printf '\n[[stations]]\nnetwork = "SY"\nstation = "%s"\nchannels = ["HHE", "HHN", "HHZ"]\nfiles = ["data/SY.%s.*.mseed"]\n' "$s" "$s"
    done
    echo
    "$QP" demo --print-parameters
  } >"$WORK/$1.toml"
}

# --- timed runs ---
TSV=$WORK/scaling.tsv
printf 'ranks\tthreads\t%s\ttotal_s\tspeedup\tefficiency\tidentical\n' "$(IFS=$'\t'; echo "${STAGES[*]/%/_s}")" >"$TSV"
T1=""
# QuakeML carries the run's creation time (creationTime, the run's publicID):
# masked before comparing, everything else must match byte for byte.
unstamp() { sed -E 's#<creationTime>[^<]*</creationTime>##g; s#/run/[0-9]{8}T[0-9]{6}Z#/run/#g' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
if [ "$NETWORK_ONLY" = 1 ]; then  # the run every case copies, up to search
  rm -rf "${WORK:?}/upstream"
  write_config upstream
  for st in "${UPSTREAM[@]}"; do
    "${LAUNCH[@]}" -n "$MAXN" "$QP" "$st" "$WORK/upstream.toml" >"$WORK/logs/upstream.$st.log" 2>&1 ||
      { tail -20 "$WORK/logs/upstream.$st.log" >&2; exit 1; }
  done
fi
run_case() {  # $1 = ranks, $2 = OpenMP threads per rank
  local n=$1 th=$2 name="run-$1x$2" row="" total=0 t0 t ok=yes f rep st
  declare -A times=()
  rm -f "$WORK/logs/$name.phases"
  for rep in $(seq 1 "$REPEATS"); do
    rm -rf "${WORK:?}/$name"   # fresh: a run directory would otherwise be reused (resume)
    write_config "$name"
    if [ "$NETWORK_ONLY" = 1 ]; then
      cp -a "$WORK/upstream" "$WORK/$name"
      rm -rf "$WORK/$name/associate" "$WORK/$name/catalog"
    fi
    for st in "${STAGES[@]}"; do
      t0=$(now)
      if ! OMP_NUM_THREADS=$th "${LAUNCH[@]}" -n "$n" "$QP" "$st" "$WORK/$name.toml" \
          >"$WORK/logs/$name.$st.log" 2>&1; then
        echo "scaling.sh: $st failed at $n rank(s) x $th thread(s); log tail:" >&2
        tail -20 "$WORK/logs/$name.$st.log" >&2
        return 1
      fi
      times[$st]+="$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.3f", b-a}') "
    done
    grep -ho 'associate phase CPU s, slowest rank: .*' "$WORK/logs/$name.associate.log" >>"$WORK/logs/$name.phases" || true
  done
  for st in "${STAGES[@]}"; do
    t=$(tr ' ' '\n' <<<"${times[$st]}" | grep . | median)
    row+="$t"$'\t'
    total=$(awk -v a="$total" -v b="$t" 'BEGIN{printf "%.2f", a+b}')
  done
  [ -n "$T1" ] || T1=$total
  for f in catalog.csv picks.csv; do
    cmp -s "$WORK/run-1x1/catalog/$f" "$WORK/$name/catalog/$f" || ok=no
  done
  cmp -s <(unstamp "$WORK/run-1x1/catalog/catalog.xml") <(unstamp "$WORK/$name/catalog/catalog.xml") || ok=no
  awk -v n="$n" -v th="$th" -v r="$row" -v tot="$total" -v t1="$T1" -v ok="$ok" 'BEGIN{
    s = t1 / tot; printf "%d\t%d\t%s%.2f\t%.2f\t%.2f\t%s\n", n, th, r, tot, s, s / (n * th), ok }' >>"$TSV"
  # associate: wall (median), each phase's CPU s on the slowest rank, and
  # their sum (medians over the runs): every phase ends in a collective, so
  # the sum is the CPU time of the stage's critical path
  [ -s "$WORK/logs/$name.phases" ] && awk -v n="$n" -v th="$th" \
      -v wall="$(tr ' ' '\n' <<<"${times[associate]}" | grep . | median)" '
    function med(key,   m, i, j, t, v) { m = 0; for (i = 1; i <= NR; i++) if ((key, i) in cpu) v[++m] = cpu[key, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      return m ? ((m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2) : 0 }
    { sub(/^associate phase CPU s, slowest rank: /, ""); split($0, part, /; total per rank: /)
      np = split(part[1], ph, /, /)
      for (i = 1; i <= np; i++) { name = ph[i]; sub(/ [^ ]*$/, "", name); val = ph[i]; sub(/.* /, "", val)
        if (!(name in seen)) { seen[name] = 1; order[++no] = name }; cpu[name, NR] = val; sum += val }
      cpu["total", NR] = sum; sum = 0 }
    END { printf "%d\t%d\t%s", n, th, wall; for (i = 1; i <= no; i++) printf "\t%s=%.3f", order[i], med(order[i])
          printf "\ttotal=%.3f\n", med("total") }' "$WORK/logs/$name.phases" >>"$WORK/associate.tsv"
  echo "done: $n rank(s) x $th thread(s), $total s (median of $REPEATS)" >&2
}

status=0
: >"$WORK/associate.tsv"
n=1
while [ "$n" -le "$MAXN" ]; do
  run_case "$n" 1 || { status=1; break; }
  n=$((n * 2))
done
if [ "$status" = 0 ] && [ "$THREADS" -gt 0 ]; then run_case 1 "$THREADS" || status=1; fi

# --- table ---
awk -F'\t' 'NR == 1 { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n|";
                      for (i = 1; i <= NF; i++) printf "---|"; printf "\n"; next }
            { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n" }' "$TSV"
echo
# Each stage's speed-up against 1 rank (1 thread).
awk -F'\t' -v nst="${#STAGES[@]}" '
  NR == 1 { printf "| ranks | threads |"; for (i = 3; i < 3 + nst; i++) { h = $i; sub(/_s$/, "", h); printf " %s |", h }
            printf "\n|---:|---:|"; for (i = 0; i < nst; i++) printf "---:|"; printf "\n"; next }
  NR == 2 { for (i = 3; i < 3 + nst; i++) one[i] = $i }
  { printf "| %s | %s |", $1, $2; for (i = 3; i < 3 + nst; i++) printf " %.2fx |", ($i > 0 ? one[i] / $i : 0); printf "\n" }' "$TSV"
echo
# associate: wall and the slowest rank's CPU per phase, against 1 rank
if [ -s "$WORK/associate.tsv" ]; then
  awk -F'\t' 'NR == 1 { printf "| ranks | threads | associate wall s | wall speed-up |"
                        for (i = 4; i <= NF; i++) { h = $i; sub(/=.*/, "", h); printf " %s |", h }
                        printf " CPU speed-up |\n|---:|---:|---:|---:|"; for (i = 4; i <= NF; i++) printf "---:|"
                        printf "---:|\n"; w1 = $3; c1 = $NF; sub(/.*=/, "", c1) }
               { printf "| %s | %s | %s | %.2fx |", $1, $2, $3, ($3 > 0 ? w1 / $3 : 0)
                 for (i = 4; i <= NF; i++) { v = $i; sub(/.*=/, "", v); printf " %s |", v }
                 c = $NF; sub(/.*=/, "", c); printf " %.2fx |\n", (c > 0 ? c1 / c : 0) }' "$WORK/associate.tsv"
  echo "associate: wall = launcher start to exit (median); phase columns = CPU s of the slowest rank in each phase;"
  echo "total = their sum, the stage's critical path in CPU s (each phase ends in a collective); CPU speed-up = the 1-rank total over this total"
  echo
fi
events=$(($(wc -l <"$WORK/run-1x1/catalog/catalog.csv" 2>/dev/null || echo 1) - 1))
echo "workload: $STATIONS stations x 3 components, $DURATION s at 100 Hz; $events events in the 1-rank catalog; median of $REPEATS run(s) per case"
echo "identical = catalog.csv and picks.csv byte-identical to the 1-rank run, catalog.xml too apart from its creation time"
exit "$status"
