# e2e_synth_recall: the association's acceptance measure on synthetic data
# from the generator's defaults in two real noises (KW1's short-period
# spectra, GR.FUR's broadband ones), seeds 1-6 each, with the demo's
# parameters: recall and precision over events that have a family partner
# and pick SNR >= 3 at 3 or more stations, each at least 0.95 in total per
# noise (scripts/synth-recall.sh), and P picks within 1 s >= 80%.
QP=$1 SHARED=$2 WORK=$3
source "$(dirname "$0")/lib.sh"
for noise in "$SHARED/data/kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed" \
             "$SHARED/data/gr-fur-noise-2015/GR.FUR..BHN.D.2015.361.mseed"; do
  [ -f "$noise" ] || skip "real noise $noise is absent"
  name=$(basename "$noise" .mseed)
  out="$WORK/synth-recall-$name"
  echo "== noise: $name"
  bash "$(dirname "$0")/../../scripts/synth-recall.sh" -q "$QP" -f "$noise" "$out" | tee "$out.txt"
  read -r _ events matched recall precision picks _ < <(grep '^all ' "$out.txt")
  awk -v r="$recall" 'BEGIN { exit !(r >= 0.95) }' || fail "$name: recall $recall ($matched of $events) < 0.95"
  awk -v p="$precision" 'BEGIN { exit !(p >= 0.95) }' || fail "$name: precision $precision < 0.95"
  within=${picks%/*} compared=${picks#*/}
  [ $((within * 10)) -ge $((compared * 8)) ] || fail "$name: P picks within 1 s: $within of $compared (< 80%)"
done
echo "PASS"
