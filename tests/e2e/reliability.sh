# e2e_reliability: faults a long run meets, each with its promised outcome.
#  1. A deleted preprocess unit: `quakeprint fingerprint` exits non-zero
#     naming the unit and the command that completes it, and writes nothing;
#     --allow-partial goes on, its median/MAD statistics provisional: the
#     complete rerun recomputes them and gives the baseline catalog.
#  2. A file-size limit (`ulimit -f 20000`, 20 MB) while fingerprinting a day
#     of GR.FUR (44 MB of fingerprints): non-zero exit, an error naming the
#     file and the cause, no temporary left.
#  3. Temporaries of dead processes are removed when a stage starts, a live
#     process's are kept.
#  4. A second concurrent `quakeprint fingerprint` refuses naming the first;
#     the first completes.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
base=$(baseline_catalog)
top="$WORK/reliability"; rm -rf "$top"

# --- 1. unfinished input refused ---------------------------------------------
d="$top/partial"
write_config "$d/config.toml" LIND DYJN FLUR </dev/null
"$QP" preprocess "$d/config.toml" >/dev/null
unit="Z7.DYJN..HHZ/2014-08-24"
rm "$d/run/preprocess/$unit.h5"
if "$QP" fingerprint "$d/config.toml" 2>"$d/err.txt"; then fail "fingerprint ran over a missing preprocess unit"; fi
grep -q "missing $unit" "$d/err.txt" || fail "the error does not name $unit: $(cat "$d/err.txt")"
grep -q "quakeprint preprocess $d/config.toml" "$d/err.txt" || fail "the error does not give the command: $(cat "$d/err.txt")"
[ ! -e "$d/run/fingerprint" ] || fail "fingerprint wrote outputs although it refused"
echo "ok: refused, naming $unit"
"$QP" fingerprint --allow-partial "$d/config.toml" 2>"$d/warn.txt" || fail "--allow-partial did not go on"
grep -q "allow-partial" "$d/warn.txt" || fail "--allow-partial gave no warning"
echo "ok: --allow-partial went on"
expect_states fingerprint-mad Z7.LIND..HHZ/mad "$d/run" done
"$QP" run "$d/config.toml" >/dev/null
# The statistics made over the partial record were provisional: recomputed.
expect_states fingerprint-mad Z7.LIND..HHZ/mad "$d/run" done
"$QP" fingerprint "$d/config.toml" >/dev/null
expect_states fingerprint-mad Z7.LIND..HHZ/mad "$d/run" reused
same_file "$d/run/catalog/catalog.csv" "$base/catalog.csv"
same_file "$d/run/catalog/picks.csv" "$base/picks.csv"

# --- a day of one channel: fingerprints of 44 MB ------------------------------
noise="$SHARED/data/gr-fur-noise-2015/GR.FUR..BHN.D.2015.361.mseed"
[ -f "$noise" ] || skip "$noise is absent"
g="$top/day"; mkdir -p "$g"
cat > "$g/config.toml" <<TOML
[run]
directory = "run"
[[stations]]
network = "GR"
station = "FUR"
channels = ["BHN"]
files = ["$noise"]
[preprocess]
freqmin = 1.0
freqmax = 8.0
target_rate = 20.0
[fingerprint]
sampling_rate = 20.0
min_freq = 1.0
max_freq = 8.0
spec_length = 4.0
spec_lag = 0.1
fp_length = 32
fp_lag = 5
nfreq = 32
k_coef = 100
mad_sampling_rate = 0.05
mad_sample_interval = 600
[associate]
nsta_thresh = 1
TOML
"$QP" preprocess "$g/config.toml" >/dev/null
day="$g/run/fingerprint/GR.FUR..BHN/2015-12-27.h5"

# --- 2. write past a file-size limit -----------------------------------------
if (ulimit -f 20000; "$QP" fingerprint "$g/config.toml") >"$g/limit.txt" 2>&1; then
  fail "fingerprint succeeded under ulimit -f 20000"
fi
grep -q "$day" "$g/limit.txt" || fail "the error does not name $day: $(tail -5 "$g/limit.txt")"
grep -q "File too large" "$g/limit.txt" || fail "the error does not give the cause: $(tail -5 "$g/limit.txt")"
left=$(find "$g/run" -name '*.tmp*')
[ -z "$left" ] || fail "temporaries left behind: $left"
[ ! -e "$day" ] || fail "$day exists although its write failed"
echo "ok: file-size limit -> $(grep -m1 'File too large' "$g/limit.txt")"

# --- 3. temporaries of dead processes removed, of live ones kept -------------
sh -c 'exit 0' & dead=$!; wait $dead
mkdir -p "$(dirname "$day")"
echo debris > "$day.tmp.$dead"
echo live > "$day.tmp.$$"

# --- 4. one writer per stage --------------------------------------------------
"$QP" fingerprint "$g/config.toml" >"$g/first.txt" 2>&1 & first=$!
lock="$g/run/locks/fingerprint.lock"
for _ in $(seq 1 600); do
  grep -q "pid=$first " "$lock" 2>/dev/null && break
  kill -0 $first 2>/dev/null || break
  sleep 0.05
done
grep -q "pid=$first " "$lock" || fail "the first run never held the lock: $(cat "$g/first.txt")"
if "$QP" fingerprint "$g/config.toml" >"$g/second.txt" 2>&1; then fail "a second concurrent fingerprint ran"; fi
grep -q "already running" "$g/second.txt" || fail "the second run did not say why: $(cat "$g/second.txt")"
grep -q "pid=$first" "$g/second.txt" || fail "the second run did not name the holder: $(cat "$g/second.txt")"
echo "ok: second run refused: $(grep -m1 'already running' "$g/second.txt")"
wait $first || fail "the first run failed: $(tail -5 "$g/first.txt")"
[ -s "$day" ] || fail "the first run did not write $day"
echo "ok: first run completed"
[ ! -e "$day.tmp.$dead" ] || fail "the dead process's temporary was not removed"
[ -e "$day.tmp.$$" ] || fail "a live process's temporary was removed"
rm "$day.tmp.$$"
echo "ok: dead temporary removed, live one kept"
echo PASS
