# e2e_threads: preprocess and fingerprint units computed on 1 and on 2
# OpenMP threads (units side by side on the threads) are the same: every
# dataset of every unit identical under h5diff, the same units in the
# manifests, in the same order.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
command -v h5diff >/dev/null || fail "h5diff is not installed (hdf5-tools)"
for t in 1 2; do
  dir="$WORK/threads-$t"
  rm -rf "$dir"
  write_config "$dir/config.toml" LIND DYJN FLUR </dev/null
  for st in preprocess fingerprint; do
    OMP_NUM_THREADS=$t "$QP" "$st" "$dir/config.toml" > "$dir/$st.log" 2>&1 || { tail -20 "$dir/$st.log"; fail "$st on $t thread(s)"; }
  done
done
one="$WORK/threads-1/run" two="$WORK/threads-2/run"
for st in preprocess fingerprint; do
  # Units, states, parameter hashes, outputs and notes in manifest order
  # (not the seconds, nor the inputs hash: fingerprint's holds the hash of
  # the median/MAD file, whose provenance names the run folder).
  cut -f1,2,4,7,8 "$one/manifest/$st.tsv" > "$WORK/threads-1/$st.units"
  cut -f1,2,4,7,8 "$two/manifest/$st.tsv" > "$WORK/threads-2/$st.units"
  same_file "$WORK/threads-1/$st.units" "$WORK/threads-2/$st.units"
  n=0 d=0
  while IFS= read -r f; do
    rel=${f#"$one/"}
    [ -f "$two/$rel" ] || fail "$rel is missing from the 2-thread run"
    for ds in $(h5ls -r "$f" | awk '$2 == "Dataset" {print $1}'); do
      h5diff -q "$f" "$two/$rel" "$ds" "$ds" || fail "$rel $ds differs between 1 and 2 threads"
      d=$((d + 1))
    done
    n=$((n + 1))
  done < <(find "$one/$st" -name '*.h5' | sort)
  [ "$n" -ge 9 ] || fail "only $n $st unit files compared, want >= 9 (3 stations x 3 components)"
  [ "$d" -ge "$((2 * n))" ] || fail "only $d datasets in $n $st files"
  echo "ok: $st: $n unit files, $d datasets identical on 1 and 2 threads"
done
