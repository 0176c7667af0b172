# e2e_associate_ranks: the network stage (associate, then export) on 1, 2
# and 4 ranks and on 1 and 2 OpenMP threads gives the same catalog, picks
# and QuakeML byte for byte. Workload: a synthetic 6-station network, 40
# minutes, run up to search once; each case then associates and exports a
# copy of that run.
QP=$1 WORK=$2
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v mpiexec >/dev/null || { echo "SKIP: mpiexec is not installed"; exit 77; }
root=""
[ "$(id -u)" = 0 ] && root="--allow-run-as-root"
dir="$WORK/associate-ranks"
rm -rf "$dir"
mkdir -p "$dir"
cat >"$dir/synth.toml" <<EOF
[synth]
seed = 11
n_stations = 6
duration_s = 2400
sampling_rate = 100
n_families = 4
n_singletons = 4
EOF
"$QP" synth "$dir/synth.toml" -o "$dir/data" >"$dir/synth.log" 2>&1 || { tail "$dir/synth.log"; fail "synth"; }

write_config() {  # $1 = case folder
  mkdir -p "$1"
  {
    printf '[run]\ndirectory = "run"\nseed = 1\n'
    for i in $(seq 1 6); do
      s=$(printf 'S%02d' "$i")
      printf '\n[[stations]]\nnetwork = "SY"\nstation = "%s"\nchannels = ["HHE", "HHN", "HHZ"]\nfiles = ["%s/data/SY.%s.*.mseed"]\n' "$s" "$dir" "$s"
    done
    echo
    "$QP" demo --print-parameters | sed "s#^stations_file = .*#stations_file = \"$dir/data/stations.csv\"#"
  } >"$1/config.toml"
}

base="$dir/base"
write_config "$base"
for stage in preprocess fingerprint search; do  # the run every case copies
  OMP_NUM_THREADS=2 "$QP" "$stage" "$base/config.toml" >"$base/$stage.log" 2>&1 || { tail "$base/$stage.log"; fail "$stage"; }
done

run_case() {  # $1 = ranks, $2 = threads
  local case="$dir/case-$1x$2"
  rm -rf "$case"
  write_config "$case"
  cp -a "$base/run" "$case/run"
  rm -rf "$case/run/associate" "$case/run/catalog"  # made by this case, nothing reused
  for stage in associate export; do
    OMP_NUM_THREADS=$2 mpiexec -n "$1" --oversubscribe $root "$QP" "$stage" "$case/config.toml" \
      >"$case/$stage.log" 2>&1 || { tail -20 "$case/$stage.log"; fail "$stage at $1 rank(s) x $2 thread(s)"; }
  done
}

run_case 1 1
ref="$dir/case-1x1/run/catalog"
events=$(($(wc -l <"$ref/catalog.csv") - 1))
located=$(awk -F, 'NR > 1 && $3 != ""' "$ref/catalog.csv" | wc -l)
s_picks=$(awk -F, 'NR > 1 && $3 == "S"' "$ref/picks.csv" | wc -l)
[ "$events" -ge 4 ] || fail "only $events events in the 1-rank catalog"
[ "$located" -ge 1 ] || fail "no located event in the 1-rank catalog"
[ "$s_picks" -ge 1 ] || fail "no S pick in the 1-rank catalog"
echo "1 rank: $events events, $located located, $s_picks S picks"
for c in "2 1" "4 1" "1 2" "2 2"; do
  set -- $c
  run_case "$1" "$2"
  for f in catalog.csv picks.csv catalog.xml; do
    cmp -s "$ref/$f" "$dir/case-$1x$2/run/catalog/$f" ||
      fail "$f differs between 1 rank x 1 thread and $1 rank(s) x $2 thread(s)"
  done
  grep -q "events, .* s, $1 rank(s)" "$dir/case-$1x$2/associate.log" ||
    fail "associate at $1 rank(s) did not report running on them"
  # More than one worker: the runs are cut into pieces picked in parallel
  # (then checked in order), so identity above covers that path too.
  read -r runs pieces < <(sed -nE 's/.* ([0-9]+) independent runs, picked in ([0-9]+) pieces.*/\1 \2/p' \
    "$dir/case-$1x$2/associate.log")
  [ "${pieces:-0}" -gt "${runs:-0}" ] ||
    fail "picking at $1 rank(s) x $2 thread(s): ${pieces:-no} pieces for ${runs:-no} runs (runs not cut)"
  echo "ok: $1 rank(s) x $2 thread(s) identical"
done
