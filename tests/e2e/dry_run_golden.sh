# e2e_submit_dry_run: `quakeprint submit --dry-run configs/slurm-demo.toml`
# against tests/e2e/golden/slurm-demo.dry-run.txt, with the absolute paths
# replaced (@SOURCE@ = repository, @QUAKEPRINT@ = binary). Nothing is
# submitted and Slurm is not needed. UPDATE_GOLDEN=1 rewrites the golden file.
QP=$1 SOURCE=$2 WORK=$3
set -euo pipefail
"$QP" --help 2>/dev/null | grep -E "^ +submit " >/dev/null || { echo "SKIP: this quakeprint has no 'submit' command (not wired into main.cpp yet)"; exit 77; }
golden="$SOURCE/tests/e2e/golden/slurm-demo.dry-run.txt"
mkdir -p "$WORK"
out="$WORK/slurm-demo.dry-run.txt"
qp_abs=$(readlink -f "$QP")
src_abs=$(cd "$SOURCE" && pwd -P)
"$QP" submit --dry-run "$SOURCE/configs/slurm-demo.toml" |
  sed -e "s|$qp_abs|@QUAKEPRINT@|g" -e "s|$src_abs|@SOURCE@|g" -e "s|$SOURCE|@SOURCE@|g" > "$out"
[ -d "$SOURCE/configs/slurm-demo-run" ] && { echo "FAIL: --dry-run created the run directory" >&2; exit 1; }
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then cp "$out" "$golden"; echo "updated $golden"; exit 0; fi
diff -u "$golden" "$out" || { echo "FAIL: dry-run output differs from $golden (UPDATE_GOLDEN=1 to accept)" >&2; exit 1; }
echo "ok: dry-run output matches $golden"
