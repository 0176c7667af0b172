# e2e_slurm_requeue: a real time-limit expiry on a live Slurm cluster
# (skipped, exit 77, when none answers: scripts/slurm-local.sh). The
# preprocess job gets the shortest limit Slurm has (1 minute) with a 20 s
# signal lead, and its 9 units are slowed to about 5 s each
# (QUAKEPRINT_UNIT_DELAY_S=preprocess:5, exported to the jobs), so the
# stage cannot finish in time: Slurm sends USR1 before the limit (its
# timer checks run every few tens of seconds, so anywhere in the last ~40 s),
# the sbatch script passes it to the stage, which records the units it
# finished and exits, and the script requeues the job. The requeued job
# (restart 1, after AuthInfo cred_expire: 10 s on the local cluster) skips
# the finished units and completes the rest; the later stages follow, and the
# catalog equals `quakeprint run`'s byte for byte.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
command -v sbatch >/dev/null && command -v scontrol >/dev/null || skip "Slurm is not installed (no sbatch/scontrol)"
scontrol ping 2>/dev/null | grep -q 'is UP' || skip "no Slurm controller answers 'scontrol ping' (start one: scripts/slurm-local.sh)"
base=$(baseline_catalog)
d="$WORK/slurm-requeue"; rm -rf "$d"
printf '\n[slurm]\nntasks = 1\ntime = "00:20:00"\n[slurm.preprocess]\ntime = "00:01:00"\nrequeue_signal_lead = 20\n' |
  write_config "$d/config.toml" LIND DYJN FLUR
tsv="$d/run/slurm/jobs.tsv"

QUAKEPRINT_UNIT_DELAY_S=preprocess:5 "$QP" submit "$d/config.toml"
ids=$(awk -F'\t' 'NR > 1 {print $2}' "$tsv" | paste -sd,)
pre=$(awk -F'\t' '$1 == "preprocess" {print $2}' "$tsv")
for _ in $(seq 1 2400); do   # at most 8 minutes
  [ -z "$(squeue -h -j "$ids" -t PD,R,CG,CF,RQ,RS,S 2>/dev/null)" ] && break
  sleep 0.2
done
[ -z "$(squeue -h -j "$ids" 2>/dev/null)" ] || { squeue; fail "jobs $ids still queued after 8 minutes"; }
log="$d/run/slurm/logs/preprocess-$pre.out"
cat "$log"

restarts=$(scontrol show job "$pre" | grep -o 'Restarts=[0-9]*' | cut -d= -f2)
[ "${restarts:-0}" -ge 1 ] || fail "preprocess job $pre was not requeued (Restarts=${restarts:-?})"
grep -q "time limit near: asking the stage to stop" "$log" || fail "no time-limit signal in $log"
grep -q "stopped by SIGUSR1 (a time limit is near): [0-9]* unit(s) left" "$log" || fail "the stage did not stop cleanly on the signal ($log)"
grep -q "stage stopped (exit status [0-9]*): requeueing" "$log" || fail "the job did not requeue itself ($log)"
grep -q "restart 1" "$log" || fail "no restarted run in $log"
grep -qE "preprocess done: .* \([1-8] computed, [1-8] up to date\)" "$log" ||
  fail "the restarted run did not reuse the units finished before the time limit ($log)"
echo "ok: preprocess hit its time limit, stopped cleanly, requeued ($restarts restart(s)) and resumed"

while IFS=$'\t' read -r st id _; do
  [ "$st" = stage ] && continue
  state=$(scontrol show job "$id" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  [ "$state" = COMPLETED ] || fail "$st job $id is $state, want COMPLETED"
done < "$tsv"
echo "ok: 5 jobs COMPLETED"
same_file "$d/run/catalog/catalog.csv" "$base/catalog.csv"
same_file "$d/run/catalog/picks.csv" "$base/picks.csv"
