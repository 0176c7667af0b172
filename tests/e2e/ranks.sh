# e2e_ranks: the same config run on 1 rank (the baseline) and on 2 ranks
# gives identical outputs: catalog, picks and QuakeML byte for byte, every
# HDF5 file of every stage identical under h5diff, and the manifest shows
# that both ranks ran units.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
command -v mpiexec >/dev/null || skip "mpiexec is not installed"
command -v h5diff >/dev/null || fail "h5diff is not installed (hdf5-tools)"
base=$(dirname "$(baseline_catalog)")
two="$WORK/ranks-2"
rm -rf "$two"
write_config "$two/config.toml" LIND DYJN FLUR </dev/null
# The run's creation time comes from its manifest: share it, as a rerun does.
mkdir -p "$two/run/manifest"
cp "$base/manifest/run.toml" "$two/run/manifest/run.toml"
root=""
[ "$(id -u)" = 0 ] && root="--allow-run-as-root"
OMP_NUM_THREADS=1 mpiexec -n 2 --oversubscribe $root "$QP" run "$two/config.toml"

for f in catalog.csv picks.csv catalog.xml nlloc.obs phase.dat fast_detlist.txt; do
  same_file "$base/catalog/$f" "$two/run/catalog/$f"
done
n=0
while IFS= read -r f; do
  rel=${f#"$base/"}
  [ -f "$two/run/$rel" ] || fail "$rel is missing from the 2-rank run"
  h5diff "$f" "$two/run/$rel" >/dev/null || fail "$rel differs under h5diff between 1 and 2 ranks"
  n=$((n + 1))
done < <(find "$base" -name '*.h5' | sort)
[ "$n" -gt 20 ] || fail "only $n HDF5 files compared"
echo "ok: $n HDF5 files identical under h5diff"
for stage in preprocess fingerprint; do
  ranks=$(awk -F'\t' '!/^#/ {print $5}' "$two/run/manifest/$stage.tsv" | sort -u | tr '\n' ' ')
  [ "$ranks" = "0 1 " ] || fail "$stage units ran on ranks '$ranks', want both 0 and 1"
  echo "ok: $stage units ran on ranks $ranks"
done
