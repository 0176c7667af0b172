# e2e_baseline: one uninterrupted `quakeprint run` of the iceland config
# (3 stations); the other e2e tests compare against its catalog.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
rm -rf "$BASELINE"
write_config "$BASELINE/config.toml" LIND DYJN FLUR </dev/null
"$QP" run "$BASELINE/config.toml"
[ -s "$BASELINE/run/catalog/catalog.csv" ] || fail "no catalog"
echo "baseline catalog: $(($(wc -l < "$BASELINE/run/catalog/catalog.csv") - 1)) events"
