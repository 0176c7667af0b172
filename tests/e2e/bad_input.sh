# e2e_bad_input: a truncated miniSEED file among the inputs stops preprocess
# with an error naming the file, leaves no half-written file in the run
# directory, and --skip-bad-files goes on, listing the file in the report.
# Also checks that the baseline's QuakeML validates against QuakeML 1.2.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
base=$(baseline_catalog)
xsd="$SHARED/schemas/QuakeML-1.2.xsd"
if command -v xmllint >/dev/null && [ -f "$xsd" ]; then
  xmllint --noout --schema "$xsd" "$base/catalog.xml" || fail "catalog.xml does not validate against QuakeML 1.2"
  echo "ok: catalog.xml validates against QuakeML 1.2"
fi

d="$WORK/bad-input"; rm -rf "$d"; mkdir -p "$d/data"
src="$SHARED/data/iceland-z7-2014/Z7.2014-08-24T000100-001008.mseed"
# A copy cut in the middle of a record: the reader must name the file.
head -c 1000000 "$src" > "$d/data/cut.mseed"
head -c 4096 "$src" | tail -c 2048 > "$d/data/junk.mseed"
write_config "$d/config.toml" LIND DYJN </dev/null
sed -i "s|files = \\[.*\\]|files = [\"data/*.mseed\"]|" "$d/config.toml"
if "$QP" preprocess "$d/config.toml" 2> "$d/err.txt"; then fail "preprocess accepted a truncated file"; fi
grep -q "junk.mseed\|cut.mseed" "$d/err.txt" || fail "the error does not name the file: $(cat "$d/err.txt")"
echo "ok: error names the file: $(grep -m1 -o '[^ ]*\(cut\|junk\)\.mseed[^:]*' "$d/err.txt")"
if find "$d/run" -name '*.tmp.*' 2>/dev/null | grep -q .; then fail "half-written files left: $(find "$d/run" -name '*.tmp.*')"; fi
if find "$d/run" -name '*.h5' 2>/dev/null | grep -q .; then fail "outputs written despite the error"; fi
echo "ok: nothing half-written in the run directory"
"$QP" preprocess --skip-bad-files "$d/config.toml"
report="$d/run/reports/preprocess-skipped-files.txt"
grep -q "junk.mseed" "$report" || fail "the skipped file is not listed in $report"
echo "ok: --skip-bad-files lists $(grep -vc '^#' "$report") skipped file(s)"
