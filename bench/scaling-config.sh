# Sourced by the length benchmarks (scaling-length.sh, preprocess-e2e.sh,
# fingerprint-e2e.sh, associate-pairs.sh): the config of
# one synthetic record of the length benchmarks (one station x 3 components at
# 100 Hz in data-<days>d/), with the demo's parameters and three changes:
# sparser median/MAD sampling, nsta_thresh 1 (one station), the record's
# stations file.
#   scaling_config QUAKEPRINT DAYS RUN_FOLDER
scaling_config() {
  local qp=$1 days=$2 run=$3
  cat <<EOF
[run]
directory = "$run"
seed = 1

[[stations]]
network = "SY"
station = "S01"
channels = ["HHE", "HHN", "HHZ"]
files = ["data-${days}d/SY.S01.*.mseed"]

EOF
  "$qp" demo --print-parameters | sed -e 's/^mad_sampling_rate = .*/mad_sampling_rate = 0.1/' \
    -e 's/^nsta_thresh = .*/nsta_thresh = 1/' -e "s#^stations_file = .*#stations_file = \"data-${days}d/stations.csv\"#"
}

# abs PATH: PATH made absolute (its folder must exist).
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
# median: the median of the numbers on standard input (one per line).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
