# Shared helpers of the end-to-end shell tests (sourced).
#   QP=<quakeprint binary> SHARED=<shared dir> WORK=<scratch folder>
set -euo pipefail

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# write_config FILE STATION... : the iceland config of the mechanics tests
# (resume, ranks, incremental, Slurm: run dir "run" next to FILE) with the
# given stations; extra TOML on stdin is appended. Its preprocessing and
# fingerprint keys are FAST's Iceland ones (fp_input_*.json); search and
# association keep quakeprint's defaults, with nsta_thresh 2 (FAST: 3) so a
# 2- or 3-station test run still detects. The tests that compare with FAST
# use all of FAST's parameters through `quakeprint import-fast`
# (compare_fast.sh, single_station_iceland.sh, scripts/compare-with-fast.sh).
write_config() {
  local file=$1; shift
  local data="$SHARED/data/iceland-z7-2014"
  [ -d "$data" ] || skip "shared data $data is absent (set QP_SHARED_DIR)"
  mkdir -p "$(dirname "$file")"
  {
    printf '[run]\ndirectory = "run"\n'
    local s
    for s in "$@"; do
      printf '\n[[stations]]\nnetwork = "Z7"\nstation = "%s"\nchannels = ["HHZ", "HHN", "HHE"]\nfiles = ["%s/*.mseed"]\n' "$s" "$data"
    done
    cat <<'TOML'

[preprocess]
freqmin = 2.0
freqmax = 20.0
target_rate = 50.0

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
mad_sampling_rate = 1.0

[associate]
nsta_thresh = 2
TOML
    if [ ! -t 0 ]; then cat; fi
  } > "$file"
}

# state STAGE UNIT_PREFIX RUN_DIR: the states of matching manifest lines (sorted, unique)
states() {
  awk -F'\t' -v p="$2" 'index($1, p) == 1 {print $2}' "$3/manifest/$1.tsv" | sort -u | tr '\n' ' '
}

# expect_states STAGE PREFIX RUN WANT: every unit of PREFIX has state WANT (and there is one)
expect_states() {
  local got; got=$(states "$1" "$2" "$3")
  [ "$got" = "$4 " ] || fail "$1 units $2*: states '$got', want '$4' ($3/manifest/$1.tsv)"
  echo "ok: $1 $2* $4"
}

same_file() {
  cmp "$1" "$2" || fail "$1 differs from $2"
  echo "ok: $(basename "$1") identical ($(wc -l < "$1") lines)"
}

# The uninterrupted 3-station run, shared by the tests (fixture e2e_baseline).
BASELINE="$WORK/baseline"
baseline_catalog() {
  [ -s "$BASELINE/run/catalog/catalog.csv" ] || fail "baseline run missing: run the test e2e_baseline first"
  echo "$BASELINE/run/catalog"
}
