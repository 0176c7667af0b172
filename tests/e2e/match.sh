# e2e_match: the match stage on the iceland recordings (5 stations): every
# template detects itself (cc 1 at its own first arrival) and finds other
# events too; the catalog keeps every associated event and gains the others; 1 and 2 ranks give identical unit files (h5diff) and
# detections.csv (byte for byte), both ranks running units; a rerun reuses
# every unit.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
command -v mpiexec >/dev/null || skip "mpiexec is not installed"
command -v h5diff >/dev/null || fail "h5diff is not installed (hdf5-tools)"
one="$WORK/match-1"
two="$WORK/match-2"
rm -rf "$one" "$two"
write_config "$one/config.toml" LIND DYJN FLUR KVER SOSU <<'TOML'

[match]
enabled = true
min_clear_onsets = 2
located_only = false
templates_per_unit = 4
TOML
OMP_NUM_THREADS=1 "$QP" run "$one/config.toml"
# The catalog of the association alone, for comparison.
sed -i 's/^enabled = true$/enabled = false/' "$one/config.toml"
OMP_NUM_THREADS=1 "$QP" export "$one/config.toml"
events_before=$(($(wc -l < "$one/run/catalog/catalog.csv") - 1))
head -1 "$one/run/catalog/catalog.csv" | grep -q ',method,' && fail "catalog without matching has match columns"
cp "$one/run/catalog/picks.csv" "$one/lsh-picks.csv"
sed -i 's/^enabled = false$/enabled = true/' "$one/config.toml"
OMP_NUM_THREADS=1 "$QP" export "$one/config.toml"
det="$one/run/match/detections.csv"
[ -s "$det" ] || fail "no $det"
head -1 "$det" | grep -qx 'time,origin_time,template_id,cc,mad_multiple,relative_magnitude,channels' \
  || fail "detections.csv header: $(head -1 "$det")"
templates=$(awk -F, 'NR > 1 {print $3}' "$det" | sort -u | wc -l)
# A template's own event: its first arrival is the catalog's, cc 1, M_rel 0.
self=$(awk -F, 'NR > 1 && $4 >= 0.999 && ($6 + 0 < 0.01 && $6 + 0 > -0.01) {print $1}' "$det" | wc -l)
total=$(($(wc -l < "$det") - 1))
echo "match: $total detections from $templates templates; $self self-detections; LSH catalog: $events_before events"
[ "$self" -ge 5 ] || fail "only $self templates detected themselves"
[ "$total" -gt "$self" ] || fail "no detection besides the templates themselves"
while IFS=, read -r t _ id _; do
  grep -q "^$id,$t" <(awk -F, 'NR > 1 {sub(/000Z$/, "Z", $2); print $1 "," $2}' "$one/run/catalog/catalog.csv") \
    || fail "self-detection of $id at $t is not its catalog first arrival"
done < <(awk -F, 'NR > 1 && $4 >= 0.999' "$det")
echo "ok: self-detections lie at their events' first arrivals"

# The catalog: every associated event is still there (method lsh or both),
# each template's self-detection made it "both", and the other detections
# are events of their own ("match").
cat="$one/run/catalog/catalog.csv"
head -1 "$cat" | grep -q ',method,template_id,cc,mad_multiple,relative_magnitude$' || fail "catalog.csv has no match columns: $(head -1 "$cat")"
col() { awk -F, -v c="$1" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == c) k = i; next} {print $k}' "$cat"; }
lsh=$(col method | grep -cx 'lsh\|both' || true)
both=$(col method | grep -cx both || true)
matched=$(col method | grep -cx match || true)
rows=$(($(wc -l < "$cat") - 1))
echo "catalog: $rows events: $lsh associated ($both also matched), $matched from matching alone"
[ "$lsh" = "$events_before" ] || fail "$lsh associated events in the merged catalog, $events_before before"
[ "$both" -ge "$self" ] || fail "only $both events marked both, $self self-detections"
[ "$matched" -ge 1 ] || fail "no event from matching alone"
[ "$rows" = $((lsh + matched)) ] || fail "methods do not add up"
picks_match=$(awk -F, 'NR > 1' "$one/run/catalog/picks.csv" | wc -l)
[ "$picks_match" -gt "$(awk -F, 'NR > 1' "$one/lsh-picks.csv" | wc -l)" ] || fail "match events brought no picks"
grep -q 'method=match template_id=' "$one/run/catalog/catalog.xml" || fail "QuakeML comments carry no match values"
if command -v xmllint >/dev/null && [ -f "$SHARED/schemas/QuakeML-1.2.xsd" ]; then
  xmllint --noout --schema "$SHARED/schemas/QuakeML-1.2.xsd" "$one/run/catalog/catalog.xml" 2>&1 | tail -1
  xmllint --noout --schema "$SHARED/schemas/QuakeML-1.2.xsd" "$one/run/catalog/catalog.xml" >/dev/null 2>&1 \
    || fail "merged catalog.xml is not valid QuakeML 1.2"
fi
echo "ok: merged catalog"

# 2 ranks on a copy of the run with the match stage's outputs removed.
cp -r "$one" "$two"
rm -rf "$two/run/match" "$two/run/manifest/match.tsv"
root=""
[ "$(id -u)" = 0 ] && root="--allow-run-as-root"
OMP_NUM_THREADS=1 mpiexec -n 2 --oversubscribe $root "$QP" match "$two/config.toml"
same_file "$det" "$two/run/match/detections.csv"
n=0
while IFS= read -r f; do
  rel=${f#"$one/run/"}
  h5diff "$f" "$two/run/$rel" >/dev/null || fail "$rel differs under h5diff between 1 and 2 ranks"
  n=$((n + 1))
done < <(find "$one/run/match" -name '*.h5' | sort)
[ "$n" -ge 2 ] || fail "only $n match units"
ranks=$(awk -F'\t' '!/^#/ {print $5}' "$two/run/manifest/match.tsv" | sort -u | tr '\n' ' ')
[ "$ranks" = "0 1 " ] || fail "match units ran on ranks '$ranks', want both 0 and 1"
echo "ok: $n match units and detections.csv identical for 1 and 2 ranks (units on ranks $ranks)"
OMP_NUM_THREADS=1 mpiexec -n 2 --oversubscribe $root "$QP" export "$two/config.toml"
for f in catalog.csv picks.csv catalog.xml; do same_file "$one/run/catalog/$f" "$two/run/catalog/$f"; done
echo "ok: merged catalog identical for 1 and 2 ranks"

OMP_NUM_THREADS=1 "$QP" match "$one/config.toml"
expect_states match batch- "$one/run" reused
