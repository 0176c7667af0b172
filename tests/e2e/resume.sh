# e2e_resume: a run that fails mid-stage (QUAKEPRINT_FAIL_AFTER_UNITS=2), then
# a plain rerun: same catalog.csv and picks.csv as the uninterrupted run, and
# the two units computed before the failure are reused, not recomputed.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
base=$(baseline_catalog)
d="$WORK/resume"; rm -rf "$d"
write_config "$d/config.toml" LIND DYJN FLUR </dev/null
if QUAKEPRINT_FAIL_AFTER_UNITS=2 "$QP" run "$d/config.toml"; then fail "the injected failure did not fail the stage"; fi
m="$d/run/manifest/preprocess.tsv"
[ -s "$m" ] || fail "no preprocess manifest after the failure"
mapfile -t first < <(awk -F'\t' '$2 == "done" {print $1}' "$m")
[ ${#first[@]} -eq 2 ] || fail "want 2 units done before the failure, manifest has ${#first[@]}: $(cat "$m")"
grep -q $'\tfailed\t' "$m" || fail "the manifest does not record the failed unit"
echo "ok: failed after ${first[*]}"
"$QP" run "$d/config.toml"
for u in "${first[@]}"; do
  st=$(awk -F'\t' -v u="$u" '$1 == u {print $2}' "$m")
  [ "$st" = reused ] || fail "unit $u finished before the failure but is '$st' on the rerun"
done
echo "ok: ${#first[@]} units reused"
n_done=$(awk -F'\t' '$2 == "done"' "$m" | wc -l)
[ "$n_done" -gt 0 ] || fail "the rerun computed no unit"
same_file "$d/run/catalog/catalog.csv" "$base/catalog.csv"
same_file "$d/run/catalog/picks.csv" "$base/picks.csv"
