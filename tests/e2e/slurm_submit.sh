# e2e_slurm_submit: `quakeprint submit` on a live Slurm cluster (skipped, exit
# 77, when none answers: start one with scripts/slurm-local.sh). First a
# submission whose preprocess stage fails (QUAKEPRINT_FAIL_AFTER_UNITS=2 is
# exported to the job): the later stages must be cancelled, not left pending,
# and `status` must show the failed unit. Then a plain resubmission: it
# resumes, and its catalog.csv equals the one of `quakeprint run`.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
command -v sbatch >/dev/null && command -v scontrol >/dev/null || skip "Slurm is not installed (no sbatch/scontrol)"
scontrol ping 2>/dev/null | grep -q 'is UP' || skip "no Slurm controller answers 'scontrol ping' (start one: scripts/slurm-local.sh)"
"$QP" --help 2>/dev/null | grep -E "^ +submit " >/dev/null || skip "this quakeprint has no 'submit' command (not wired into main.cpp yet)"
base=$(baseline_catalog)
d="$WORK/slurm"; rm -rf "$d"
printf '\n[slurm]\nntasks = 2\ntime = "00:20:00"\nrequeue_signal_lead = 60\n' | write_config "$d/config.toml" LIND DYJN FLUR
tsv="$d/run/slurm/jobs.tsv"

# wait_jobs: until no job of jobs.tsv is pending or running (max 300 s)
wait_jobs() {
  local ids; ids=$(awk -F'\t' 'NR > 1 {print $2}' "$tsv" | paste -sd,)
  for _ in $(seq 1 1500); do
    [ -z "$(squeue -h -j "$ids" -t PD,R,CG,CF,RQ,RS,S 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  squeue; fail "jobs $ids still queued after 300 s"
}
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }

# 1. a failing first stage: dependants cancelled, status shows the failure
QUAKEPRINT_FAIL_AFTER_UNITS=2 "$QP" submit "$d/config.toml"
wait_jobs
mapfile -t ids < <(awk -F'\t' 'NR > 1 {print $2}' "$tsv")
[ ${#ids[@]} -eq 5 ] || fail "want 5 jobs in $tsv"
[ "$(job_state "${ids[0]}")" = FAILED ] || fail "preprocess job ${ids[0]} is $(job_state "${ids[0]}"), want FAILED"
for id in "${ids[@]:1}"; do
  st=$(job_state "$id")
  [ "$st" = CANCELLED ] || fail "dependant job $id is '$st', want CANCELLED"
done
echo "ok: preprocess FAILED, 4 dependants CANCELLED"
"$QP" status "$d/config.toml" > "$d/status1.txt" || fail "status failed"
cat "$d/status1.txt"
grep -q '^  failed ' "$d/status1.txt" || fail "status shows no failed unit"
grep -q 'log: slurm/logs/preprocess-' "$d/status1.txt" || fail "status shows no log path for the failure"

# 2. resubmit: resumes and completes
"$QP" submit "$d/config.toml"
wait_jobs
for id in $(awk -F'\t' 'NR > 1 {print $2}' "$tsv"); do
  st=$(job_state "$id")
  [ "$st" = COMPLETED ] || { cat "$d"/run/slurm/logs/*"-$id.out" || true; fail "job $id is '$st', want COMPLETED"; }
done
echo "ok: 5 jobs COMPLETED"
[ "$(awk -F'\t' '$2 == "reused"' "$d/run/manifest/preprocess.tsv" | wc -l)" -ge 2 ] || fail "the resubmission did not reuse the units of the failed job"
echo "ok: units of the failed job reused"
same_file "$d/run/catalog/catalog.csv" "$base/catalog.csv"
"$QP" status "$d/config.toml" > "$d/status2.txt"
grep -E '^(preprocess|fingerprint|search|associate|export):' "$d/status2.txt"
if grep -qE '^  (failed|stale|pending) ' "$d/status2.txt"; then cat "$d/status2.txt"; fail "status shows open work after a complete run"; fi
echo "ok: status shows everything done"
