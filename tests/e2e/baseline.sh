# e2e_baseline: one uninterrupted `quakeprint run` of the iceland config
# (3 stations); the other e2e tests compare against its catalog. Checked
# against the recordings' reference catalog and picks (first arrival within
# 2 s of the earliest reference P pick), measured at this commit: 8 events,
# 6 of them reference earthquakes (of 27 with picks; 3 of 12 stations see
# fewer), 2 not in the reference.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
rm -rf "$BASELINE"
write_config "$BASELINE/config.toml" LIND DYJN FLUR </dev/null
"$QP" run "$BASELINE/config.toml"
cat="$BASELINE/run/catalog"
[ -s "$cat/catalog.csv" ] || fail "no catalog"
events=$(($(wc -l < "$cat/catalog.csv") - 1))
echo "baseline catalog: $events events"
[ "$events" -eq 8 ] || fail "baseline catalog has $events events, want 8"
data="$SHARED/data/iceland-z7-2014"
"$QP" evaluate "$cat/catalog.csv" "$data/catalog.csv" --picks "$cat/picks.csv" \
  --reference-picks "$data/picks.csv" --match arrival -o "$BASELINE/evaluation" >/dev/null
get() { awk -v k="$1" '$1 == k { print $3; exit }' "$BASELINE/evaluation/evaluation.txt"; }
echo "matched $(get n_reference_matched) of $(get n_reference) reference events, $(get n_false) not in the reference"
[ "$(get n_reference_matched)" -ge 6 ] || fail "matched $(get n_reference_matched) reference events, want >= 6"
[ "$(get n_false)" -le 2 ] || fail "$(get n_false) events not in the reference, want <= 2"
