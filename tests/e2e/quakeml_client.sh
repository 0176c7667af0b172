# e2e_quakeml_client: the demo's catalog.xml (fixture of e2e_report) read by
# a real QuakeML client, seisplotjs under Node.js: events, origins, picks and
# arrivals have the counts and times of catalog.csv and picks.csv. The npm
# packages (versions pinned in quakeml_client/package.json) are installed into
# the build tree, never into the repository.
QP=$1 WORK=$2
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)/quakeml_client"
cat="$WORK/demo/run/catalog"
[ -s "$cat/catalog.xml" ] || fail "no $cat/catalog.xml: run the test e2e_report first"
command -v node > /dev/null && command -v npm > /dev/null || skip "node/npm absent (apt-get install nodejs npm)"
mods="$WORK/quakeml-client"
mkdir -p "$mods"
if ! cmp -s "$here/package.json" "$mods/package.json" || [ ! -d "$mods/node_modules/seisplotjs" ]; then
  cp "$here/package.json" "$mods/package.json"
  (cd "$mods" && npm install --no-audit --no-fund --loglevel=error > npm.log 2>&1) ||
    { tail -5 "$mods/npm.log"; skip "npm install of seisplotjs/jsdom failed (registry unreachable?)"; }
fi
cp "$here/check_quakeml.mjs" "$mods/"
node "$mods/check_quakeml.mjs" "$cat/catalog.xml" "$cat/catalog.csv" "$cat/picks.csv" || fail "seisplotjs disagrees with the CSV files"
echo "PASS"
