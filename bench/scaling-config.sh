# Sourced by bench/scaling-length.sh and bench/preprocess-e2e.sh: the config of
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
