# e2e_grid_stability: in a default ("quakeprint" mode) run, fingerprints sit
# on the absolute dt_fp grid, and adding a day of data or a station changes no
# existing fingerprint. Synthetic data (no shared data needed): 2 stations,
# one vertical channel, 40 minutes across midnight starting 0.34 s after a
# whole second (off the 0.5 s grid), so each channel has two
# day files. Run 1 has station S01's first day only; run 2, in the same run
# directory, adds S01's second day and station S02. Every fingerprint of run
# 1 must be in run 2 at the same time, bit-identical (compare-fingerprints).
QP=$1 SHARED=$2 WORK=$3
source "$(dirname "$0")/lib.sh"
d="$WORK/grid-stability"
rm -rf "$d"
mkdir -p "$d"
cat >"$d/synth.toml" <<'TOML'
[synth]
start = "2024-01-01T23:40:00.34Z"
duration_s = 2400
sampling_rate = 50
n_stations = 2
components = ["HHZ"]
TOML
"$QP" synth "$d/synth.toml" -o "$d/data" --seed 5 >/dev/null
day1="$d/data/*.2024.001.mseed"
day2="$d/data/*.2024.002.mseed"
ls $day1 $day2 >/dev/null || fail "synth wrote no day files"

# config STATION_FILES... : "S01=glob1,glob2" style arguments.
config() {
  printf '[run]\ndirectory = "run"\n'
  local a sta globs
  for a in "$@"; do
    sta=${a%%=*} globs=${a#*=}
    printf '\n[[stations]]\nnetwork = "SY"\nstation = "%s"\nchannels = ["HHZ"]\nfiles = [%s]\n' \
      "$sta" "$(echo "$globs" | sed 's/[^,][^,]*/"&"/g; s/,/, /g')"
  done
  cat <<'TOML'

[preprocess]
freqmin = 2.0
freqmax = 20.0

[fingerprint]
sampling_rate = 50.0
min_freq = 2.0
max_freq = 20.0
spec_length = 4.0
spec_lag = 0.1
fp_length = 64
fp_lag = 5
nfreq = 32
k_coef = 200
mad_sampling_rate = 0.05
mad_sample_interval = 600

[associate]
nsta_thresh = 1
TOML
}
sid=SY.S01..HHZ
config "S01=$d/data/SY.S01..HHZ.D.2024.001.mseed" >"$d/config.toml"
(cd "$d" && "$QP" preprocess config.toml && "$QP" fingerprint config.toml --export-fast $sid --export-dir one) \
  >"$d/run1.log" 2>&1 || { tail -20 "$d/run1.log"; fail "run 1"; }
config "S01=$d/data/SY.S01..HHZ.D.2024.001.mseed,$d/data/SY.S01..HHZ.D.2024.002.mseed" \
  "S02=$d/data/SY.S02..HHZ.D.2024.001.mseed,$d/data/SY.S02..HHZ.D.2024.002.mseed" >"$d/config.toml"
(cd "$d" && "$QP" preprocess config.toml && "$QP" fingerprint config.toml --export-fast $sid --export-dir two) \
  >"$d/run2.log" 2>&1 || { tail -20 "$d/run2.log"; fail "run 2"; }

n1=$(wc -l <"$d/one/$sid.ts") n2=$(wc -l <"$d/two/$sid.ts")
[ "$n1" -gt 1000 ] || fail "run 1 has $n1 fingerprints, want > 1000 (20 minutes at 0.5 s)"
[ "$n2" -gt "$n1" ] || fail "run 2 has $n2 fingerprints, not more than run 1's $n1"
# The grid: every time stamp minus the centre offset (5.2 s) is a multiple of
# 0.5 s since the epoch: the fraction of the second is .2 or .7 here.
bad=$(cut -c18- "$d/one/$sid.ts" "$d/two/$sid.ts" | grep -cv -e '^\.200000$' -e '^\.700000$' || true)
[ "$bad" -eq 0 ] || fail "$bad time stamps off the absolute 0.5 s grid"
echo "ok: $n1 and $n2 fingerprints, all on the absolute grid"
"$QP" compare-fingerprints "$d/two/$sid.fp" "$d/one/$sid.fp" | tee "$d/parity.txt"
get() { awk -v k="$1" '$1 == k { print $2; exit }' "$d/parity.txt"; }
[ "$(get same_time)" -eq "$n1" ] || fail "$(get same_time) of run 1's $n1 fingerprints are still there"
[ "$(get bit_identical)" -eq "$n1" ] || fail "$(get bit_identical) of run 1's $n1 fingerprints unchanged"
echo "PASS"
