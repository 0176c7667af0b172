# e2e_station_filter: the search's station filter ([search]
# min_station_votes, lsh/station_filter.hpp) only drops pairs that the
# association would drop anyway. The baseline run (filter at its default)
# and the same config with the filter off give the same catalog and picks
# byte for byte; and an association asked to keep pairs the search dropped
# (channel_threshold below min_station_votes) refuses, naming the key.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
base=$(dirname "$(baseline_catalog)")
off="$WORK/station-filter-off"
rm -rf "$off"
printf '\n[search]\nmin_station_votes = 0\n' | write_config "$off/config.toml" LIND DYJN FLUR
mkdir -p "$off/run/manifest"
cp "$base/manifest/run.toml" "$off/run/manifest/run.toml"
"$QP" run "$off/config.toml" >"$off/run.log" 2>&1 || { tail -20 "$off/run.log"; fail "the run with the filter off failed"; }
for f in catalog.csv picks.csv; do
  same_file "$base/catalog/$f" "$off/run/catalog/$f"
done
echo "ok: catalog and picks identical with the station filter off"
pairs() {  # pairs RUN_DIR: candidate pairs in all of its search files
  local n=0 f
  for f in "$1"/search/*.h5; do
    n=$((n + $(h5ls "$f/votes" | sed -n 's/.*Dataset {\([0-9]*\).*/\1/p')))
  done
  echo "$n"
}
kept=$(pairs "$base") all=$(pairs "$off/run")
echo "search pairs: $kept with the filter, $all without"
[ "$kept" -lt "$all" ] || fail "the station filter dropped nothing ($kept of $all pairs): the comparison shows nothing"
filtered=$(find "$base/search" -name '*.h5' | head -1)
h5dump -a /min_station_votes "$filtered" | grep -q "(0): 6" ||
  fail "$filtered does not carry min_station_votes = 6"
off_pairs=$(find "$off/run/search" -name '*.h5' | head -1)
h5dump -a /min_station_votes "$off_pairs" | grep -q "(0): 0" ||
  fail "$off_pairs does not carry min_station_votes = 0"

# Below the filter: the association refuses rather than miss pairs.
low="$WORK/station-filter-low"
rm -rf "$low"
mkdir -p "$low"
cp -r "$base" "$low/run"
write_config "$low/config.toml" LIND DYJN FLUR </dev/null
sed -i 's/^\[associate\]$/[associate]\nchannel_threshold = 4/' "$low/config.toml"
grep -q "^channel_threshold = 4" "$low/config.toml" || fail "could not set channel_threshold in $low/config.toml"
if "$QP" run "$low/config.toml" >"$low/out.txt" 2>&1; then
  fail "the association ran on pairs filtered above its channel_threshold"
fi
grep -q "search.min_station_votes" "$low/out.txt" || { cat "$low/out.txt"; fail "the refusal does not name search.min_station_votes"; }
grep -q "channel_threshold = 4" "$low/out.txt" || { cat "$low/out.txt"; fail "the refusal does not name channel_threshold"; }
echo "ok: channel_threshold 4 under min_station_votes 6 refused: $(grep -m1 min_station_votes "$low/out.txt")"
echo "PASS"
