# e2e_incremental: (1) a run with 2 stations, then the same run directory with
# a third station: only the new station's preprocess/fingerprint/search units
# are computed (the others "reused"), associate and export run again, and the
# catalog equals the 3-station run from scratch. (2) A changed [search]
# parameter: preprocess and fingerprint reused, search recomputed.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
base=$(baseline_catalog)
d="$WORK/incremental"; rm -rf "$d"
write_config "$d/config.toml" LIND DYJN </dev/null
"$QP" run "$d/config.toml"
net="$d/run/associate/network.h5"
before=$(stat -c %Y.%i "$net")
sleep 1
write_config "$d/config.toml" LIND DYJN FLUR </dev/null
"$QP" run "$d/config.toml"
for stage in preprocess fingerprint search; do
  expect_states $stage Z7.LIND. "$d/run" reused
  expect_states $stage Z7.DYJN. "$d/run" reused
  expect_states $stage Z7.FLUR. "$d/run" done
done
[ "$(stat -c %Y.%i "$net")" != "$before" ] || fail "associate/network.h5 was not recomputed"
echo "ok: associate recomputed"
[ "$(stat -c %Y "$d/run/catalog/catalog.csv")" -ge "$(stat -c %Y "$net")" ] || fail "catalog not exported again"
same_file "$d/run/catalog/catalog.csv" "$base/catalog.csv"
same_file "$d/run/catalog/picks.csv" "$base/picks.csv"

# (2) a [search] parameter changes
before=$(stat -c %Y.%i "$net")
sleep 1
printf '\n[search]\nnvotes = 3\n' | write_config "$d/config.toml" LIND DYJN FLUR
"$QP" run "$d/config.toml"
for stage in preprocess fingerprint; do expect_states $stage Z7. "$d/run" reused; done
expect_states search Z7. "$d/run" done
[ "$(stat -c %Y.%i "$net")" != "$before" ] || fail "associate/network.h5 was not recomputed after the search change"
echo "ok: associate recomputed after the [search] change"

# (3) --force recomputes units whose output is current; without it they are reused
before=$(stat -c %Y.%i "$net")
sleep 1
"$QP" associate "$d/config.toml"
[ "$(stat -c %Y.%i "$net")" = "$before" ] || fail "associate recomputed a current network.h5 without --force"
"$QP" associate --force "$d/config.toml"
[ "$(stat -c %Y.%i "$net")" != "$before" ] || fail "associate --force did not recompute network.h5"
"$QP" fingerprint "$d/config.toml"
expect_states fingerprint Z7. "$d/run" reused
"$QP" fingerprint --force "$d/config.toml"
expect_states fingerprint Z7. "$d/run" done
echo "ok: --force recomputes current units"
