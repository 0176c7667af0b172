# e2e_hinet_sac: SAC files with the metadata Hi-net data have as NIED
# distributes them (channels U/N/E, KSTNM "N.STA", no KNETWK, no KHOLE),
# written here from the real bradys-2014 SAC records (nothing committed),
# run through every stage with a config naming network N and channels
# ["U", "N", "E"]: every channel is read, the vertical (U, from the code or
# from CMPINC) carries the P picks, and the catalogs name the channels as
# the network does.
QP=$1 SHARED=$2 WORK=$3
source "$(dirname "$0")/lib.sh"
src="$SHARED/data/bradys-2014/sac"
[ -d "$src" ] || skip "shared data $src is absent (set QP_SHARED_DIR)"
dir="$WORK/hinet"
rm -rf "$dir"
mkdir -p "$dir/sac"

# Rewrite the headers as Hi-net's: KSTNM "N.BT01", KNETWK/KHOLE undefined,
# KCMPNM U/N/E; BT01-BT03 also lose CMPINC/CMPAZ (vertical from the code),
# BT04-BT05 keep them (vertical from CMPINC).
/usr/bin/python3 - "$src" "$dir/sac" <<'PY'
import glob, os, struct, sys
src, out = sys.argv[1:3]
n = 0
for path in sorted(glob.glob(os.path.join(src, "BXM.*.sac"))):
    b = bytearray(open(path, "rb").read())
    _, sta, _, cha, span, _ = os.path.basename(path).split(".")
    comp = {"HHZ": "U", "HHN": "N", "HHE": "E"}[cha]
    field = lambda s: s.encode().ljust(8)
    b[440:448] = field("N." + sta)      # KSTNM
    b[464:472] = field("-12345")        # KHOLE
    b[600:608] = field(comp)            # KCMPNM
    b[608:616] = field("-12345")        # KNETWK
    if sta in ("BT01", "BT02", "BT03"):
        b[4 * 57:4 * 59] = struct.pack("<2f", -12345.0, -12345.0)  # CMPAZ, CMPINC
    open(os.path.join(out, f"N.{sta}.{comp}.{span}.sac"), "wb").write(b)
    n += 1
print(f"wrote {n} Hi-net-style SAC files")
PY

{
  printf '[run]\ndirectory = "run"\n'
  for s in BT01 BT02 BT03 BT04 BT05; do
    printf '\n[[stations]]\nnetwork = "N"\nstation = "%s"\nchannels = ["U", "N", "E"]\nfiles = ["sac/N.%s.*.sac"]\n' "$s" "$s"
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
} > "$dir/hinet.toml"

"$QP" run "$dir/hinet.toml" > "$dir/run.log" 2>&1 || { cat "$dir/run.log"; fail "quakeprint run failed on Hi-net-style SAC"; }
run="$dir/run"
grep -q "no data in the configured files" "$dir/run.log" && { grep "no data" "$dir/run.log"; fail "a configured channel found no data"; }
for s in BT01 BT02 BT03 BT04 BT05; do
  for c in U N E; do
    ls "$run/preprocess/N.$s..$c/"*.h5 > /dev/null 2>&1 || fail "no preprocess unit for N.$s..$c"
    [ -s "$run/search/N.$s..$c.h5" ] || fail "no search output for N.$s..$c"
  done
done
echo "ok: 15 channels N.BT0x..U/N/E preprocessed, fingerprinted and searched"
for stage in preprocess fingerprint search; do
  [ -s "$run/manifest/$stage.tsv" ] || fail "stage $stage left no manifest"
  ! grep -q $'\tfailed\t' "$run/manifest/$stage.tsv" || fail "failed units in $stage"
done
[ -s "$run/associate/network.h5" ] || fail "associate wrote no network.h5"
for f in catalog.csv picks.csv catalog.xml; do [ -s "$run/catalog/$f" ] || fail "export wrote no $f"; done
# BT04/BT05 keep CMPINC in their units; BT01-BT03 have none.
/usr/bin/python3 - "$run" <<'PY' || fail "inclination attributes of the preprocess units are wrong"
import glob, sys, h5py
run = sys.argv[1]
for path in sorted(glob.glob(f"{run}/preprocess/*/*.h5")):
    with h5py.File(path) as f:
        sid = f.attrs["seed_id"]
        sid = sid.decode() if isinstance(sid, bytes) else sid
        has = "inclination_deg" in f.attrs
        want = sid.split(".")[1] in ("BT04", "BT05")
        assert has == want, (path, has)
        if has:
            assert f.attrs["inclination_deg"] == (0.0 if sid.endswith(".U") else 90.0), path
print("ok: CMPINC recorded for BT04/BT05 only")
PY

cat="$run/catalog"
n_events=$(($(wc -l < "$cat/catalog.csv") - 1))
n_picks=$(($(wc -l < "$cat/picks.csv") - 1))
echo "catalog: $n_events events, $n_picks picks"
[ "$n_events" -ge 1 ] || fail "no event detected in the bradys spans (5 catalogued events)"
# P picks are on the vertical U; every pick names N.BT0x..{U,N,E}.
awk -F, 'NR > 1 && $2 !~ /^N\.BT0[1-5]\.\.[UNE]$/ {print "bad seed id: " $0; bad = 1}
         NR > 1 && $3 == "P" && $2 !~ /\.U$/ {print "P pick off the vertical: " $0; bad = 1}
         END {exit bad}' "$cat/picks.csv" || fail "picks.csv channels"
grep -q ',N\.BT0[1-5]\.\.U,P,' "$cat/picks.csv" || fail "no P pick on a U channel"
grep -q 'networkCode="N"' "$cat/catalog.xml" || fail "QuakeML has no network N"
if grep -o 'channelCode="[^"]*"' "$cat/catalog.xml" | grep -vqE 'channelCode="[UNE]"'; then
  fail "QuakeML channel codes other than U/N/E"
fi
if [ -s "$cat/nlloc.obs" ]; then
  awk '!/^#/ && NF > 5 && $3 !~ /^[UNE]$/ {bad = 1} END {exit bad}' "$cat/nlloc.obs" || fail "nlloc.obs components"
fi
echo "ok: P picks on U, QuakeML and NonLinLoc name the channels U/N/E"

# Where each station's vertical came from, as the report states it.
"$QP" report "$dir/hinet.toml" -o "$dir/report" > "$dir/report.log" 2>&1 || { cat "$dir/report.log"; fail "quakeprint report failed"; }
got=$(awk -F'\t' 'NR > 1 {printf "%s:%s:%s ", $1, $4, $5}' "$dir/report/data/stations.tsv")
want="N.BT01:U:code N.BT02:U:code N.BT03:U:code N.BT04:U:inclination N.BT05:U:inclination "
[ "$got" = "$want" ] || fail "verticals: got '$got', want '$want'"
echo "ok: verticals U from the code (BT01-BT03) and from CMPINC (BT04-BT05)"

# The same records with their original SEED headers (BXM.BT0x.01.HH[ZNE])
# give the same catalog and picks, names aside: the vertical is found as
# well from U (code or CMPINC) as from HHZ.
orig="$WORK/hinet-original"
rm -rf "$orig"
mkdir -p "$orig"
sed -e 's/network = "N"/network = "BXM"\nlocation = "01"/' -e 's/\["U", "N", "E"\]/["HHZ", "HHN", "HHE"]/' \
    -e "s|\"sac/N\.\(BT0[1-5]\)\.\*\.sac\"|\"$src/BXM.\1.01.*.sac\"|" "$dir/hinet.toml" > "$orig/original.toml"
"$QP" run "$orig/original.toml" > "$orig/run.log" 2>&1 || { tail "$orig/run.log"; fail "run on the original SAC files failed"; }
for f in catalog.csv picks.csv; do
  sed -e 's/BXM\.\(BT0[1-5]\)\.01\.HHZ/N.\1..U/g' -e 's/BXM\.\(BT0[1-5]\)\.01\.HH\([NE]\)/N.\1..\2/g' \
      -e 's/BXM\./N./g' "$orig/run/catalog/$f" > "$orig/$f.renamed"
  cmp "$orig/$f.renamed" "$cat/$f" || { diff "$orig/$f.renamed" "$cat/$f" | head; fail "$f differs from the run on the original headers"; }
done
echo "ok: catalog.csv and picks.csv equal those of the original SEED-named files ($n_events events, $n_picks picks)"
echo "PASS"
