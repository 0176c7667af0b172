# e2e_report: `quakeprint demo` (synthetic network, every stage, evaluation;
# its run is the fixture of e2e_quakeml_client), then `quakeprint report` on
# the demo's config: index.html with at least 6 figures, every figure and page
# it references exists and is not empty, nothing is loaded from the network;
# a headless Chromium screenshot of the page is not blank where Chromium is
# installed.
QP=$1 WORK=$2
source "$(dirname "$0")/lib.sh"
demo="$WORK/demo"
rm -rf "$demo"
"$QP" demo "$demo" > "$WORK/demo.log" 2>&1 || { tail -50 "$WORK/demo.log"; fail "quakeprint demo failed"; }
[ -s "$demo/run/catalog/catalog.xml" ] || fail "the demo wrote no QuakeML"

start=$(date +%s%N)
"$QP" report "$demo/demo.toml" || fail "quakeprint report failed"
echo "report took $(( ($(date +%s%N) - start) / 1000000 )) ms"
rep="$demo/run/report"
[ -s "$rep/index.html" ] || fail "no $rep/index.html"

/usr/bin/python3 - "$rep" "$demo/run/catalog/catalog.csv" <<'PY' || fail "report contents"
import csv, glob, os, re, sys
rep, catalog = sys.argv[1:3]
pages = sorted(glob.glob(os.path.join(rep, "*.html")))
refs = set()
for page in pages:
    text = open(page).read()
    # No network: no scheme (http:, https:, //host) in any reference, no CSS import.
    for m in re.finditer(r'(?:src|href)\s*=\s*"([^"]*)"', text):
        url = m.group(1)
        assert url and ":" not in url and not url.startswith("/"), f"{page}: non-local reference {url!r}"
        refs.add(url)
    assert not re.search(r"url\(|@import|<script|<link", text), f"{page}: external resource syntax"
for url in refs:
    path = os.path.join(rep, url)
    assert os.path.isfile(path) and os.path.getsize(path) > 0, f"referenced file missing or empty: {url}"
figs = sorted(glob.glob(os.path.join(rep, "figs", "*.png")))
for f in figs:
    assert os.path.getsize(f) > 1000 and open(f, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f
index = open(os.path.join(rep, "index.html")).read()
in_index = {u for u in re.findall(r'src="(figs/[^"]+)"', index)}
assert len(in_index) >= 6, f"index shows {len(in_index)} figures, want >= 6"
for name in ("lsh_curve", "events_per_hour", "score_histogram", "map"):
    assert f"figs/{name}.png" in in_index, f"{name} missing from the index"
events = list(csv.DictReader(open(catalog)))
families = {e["family_id"] for e in events if e["family_id"]}
n_event_figs = len([f for f in in_index if "/event_" in f])
assert n_event_figs == min(20, len(events)), (n_event_figs, len(events))
assert any("/family_" in f for f in in_index) or not families, "no family figure"
assert any("/pairs_" in f for f in in_index) and any("/fingerprints_" in f for f in in_index), "no station figures"
assert "Evaluation" in index, "the demo's evaluation tables are missing"
# Every event is listed on the paginated pages.
listed = sum(open(p).read().count("<tr><td>qp") for p in pages if os.path.basename(p).startswith("events-"))
assert listed == len(events), (listed, len(events))
print(f"ok: {len(pages)} pages, {len(figs)} figures ({len(in_index)} on the index), "
      f"{n_event_figs} record sections, {len(events)} events listed, only local references")
PY

chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  echo "SKIP part: $chromium is absent, no screenshot (scripts/install-deps.sh installs it: apt-get install chromium)"
  echo "PASS"
  exit 0
fi
profile=$(mktemp -d "$WORK/chromium-profile.XXXXXX")
shot="$WORK/report-screenshot.png"
rm -f "$shot"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
  --screenshot="$shot" --window-size=1400,2400 "file://$rep/index.html" > "$WORK/chromium.log" 2>&1 || true
rm -rf "$profile"
[ -s "$shot" ] || { tail -20 "$WORK/chromium.log"; fail "chromium wrote no screenshot"; }
/usr/bin/python3 - "$shot" <<'PY' || fail "the screenshot is blank"
import sys
import matplotlib.image as mpimg
import numpy as np
img = mpimg.imread(sys.argv[1])[..., :3]
grey = img.mean(axis=2)
dark = float((grey < 0.5).mean())
print(f"screenshot {img.shape[1]}x{img.shape[0]}: pixel std {img.std():.3f}, dark share {dark:.3f}")
assert img.std() > 0.05 and dark > 0.005, "one colour: nothing rendered"
PY
echo "ok: the page renders in headless Chromium ($shot)"
echo "PASS"
