# e2e_slurm_array: `quakeprint submit` with [slurm] array_tasks = 4 on a live
# Slurm cluster (skipped, exit 77, when none answers: scripts/slurm-local.sh).
# preprocess and fingerprint (9 units each: 3 stations x 3 channels) become
# job arrays of 4 tasks, each task taking every 4th unit; the next stage
# waits for the whole array (afterok) and checks through the plans that
# every unit exists. The catalog must equal `quakeprint run`'s byte for byte.
QP=$1 SHARED=$2 WORK=$3
. "$(dirname "$0")/lib.sh"
command -v sbatch >/dev/null && command -v scontrol >/dev/null || skip "Slurm is not installed (no sbatch/scontrol)"
scontrol ping 2>/dev/null | grep -q 'is UP' || skip "no Slurm controller answers 'scontrol ping' (start one: scripts/slurm-local.sh)"
base=$(baseline_catalog)
d="$WORK/slurm-array"; rm -rf "$d"
printf '\n[slurm]\nntasks = 1\ntime = "00:20:00"\narray_tasks = 4\n' | write_config "$d/config.toml" LIND DYJN FLUR
tsv="$d/run/slurm/jobs.tsv"

"$QP" submit "$d/config.toml" | tee "$d/submit.txt"
for st in preprocess fingerprint; do
  grep -qE "^submitted $st as array job [0-9]+ \(4 tasks\)" "$d/submit.txt" || fail "$st was not submitted as an array of 4 tasks"
done
for st in search associate export; do
  grep -qE "^submitted $st as job [0-9]+" "$d/submit.txt" || fail "$st was not submitted as one job"
done
grep -q -- '--array=0-3' "$d/run/slurm/fingerprint.sbatch" || fail "no --array=0-3 in fingerprint.sbatch"

ids=$(awk -F'\t' 'NR > 1 {print $2}' "$tsv" | paste -sd,)
for _ in $(seq 1 3000); do
  [ -z "$(squeue -h -j "$ids" -t PD,R,CG,CF,RQ,RS,S 2>/dev/null)" ] && break
  sleep 0.2
done
[ -z "$(squeue -h -j "$ids" 2>/dev/null)" ] || { squeue; fail "jobs $ids still queued after 600 s"; }

# Every job (every task of the arrays) COMPLETED; 4 records per array.
while IFS=$'\t' read -r st id _; do
  [ "$st" = stage ] && continue
  states=$(scontrol show job "$id" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  n=$(echo "$states" | wc -l)
  want=1; case $st in preprocess|fingerprint) want=4 ;; esac
  [ "$n" = "$want" ] || fail "$st job $id: $n task record(s), want $want"
  [ "$(echo "$states" | sort -u)" = COMPLETED ] || { tail -n 30 "$d"/run/slurm/logs/"$st"-*; fail "$st job $id: states $(echo $states), want COMPLETED"; }
done < "$tsv"
echo "ok: 2 arrays of 4 tasks and 3 jobs COMPLETED"

# Each task ran its share: 3, 2, 2, 2 of the 9 units, each unit once.
for st in preprocess fingerprint; do
  shares=$(cat "$d"/run/slurm/logs/"$st"-*_*.out 2>/dev/null |
           grep -o "array task [0-3] of 4: [0-9]* of 9 units" | sort -u | awk '{print $6}' | paste -sd' ')
  [ "$shares" = "3 2 2 2" ] || fail "$st: task shares '$shares', want '3 2 2 2' (logs in $d/run/slurm/logs)"
  n=$(awk -F'\t' '$2 == "done"' "$d/run/manifest/$st.tsv" | grep -vc '/mad' || true)
  [ "$n" = 9 ] || fail "$st: $n units done in manifest/$st.tsv, want 9 (one record per unit)"
done
echo "ok: each task took its share; 9 units done per stage"

same_file "$d/run/catalog/catalog.csv" "$base/catalog.csv"
same_file "$d/run/catalog/picks.csv" "$base/picks.csv"
"$QP" status "$d/config.toml" > "$d/status.txt"
if grep -qE '^  (failed|stale|pending) ' "$d/status.txt"; then cat "$d/status.txt"; fail "status shows open work after the array run"; fi
echo "ok: status shows everything done"
