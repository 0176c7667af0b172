#!/usr/bin/env bash
# slurm-local.sh - a real single-node Slurm cluster on localhost, for CI and
# for trying `quakeprint submit` (docs/slurm.md). Adapted from the project's
# shared tools/slurm-local.sh (docs: shared docs/slurm-local.md).
#
# Debian 12 (bookworm), run as root, no systemd needed. Idempotent: it installs
# only missing packages, rewrites /etc/slurm/slurm.conf only when it changes,
# and starts only the daemons that are not already running.
#
#   slurm-local.sh [start]   install (if needed), configure, start, print sinfo
#   slurm-local.sh stop      cancel all jobs, then stop slurmd, slurmctld (and
#                            slurmdbd, mariadbd), munged by the PIDs in their PID
#                            files, checked against /proc/PID/exe (never by name)
#   slurm-local.sh status    daemon PIDs, sinfo, squeue
#   slurm-local.sh install   install the packages only
#   slurm-local.sh ping      exit 0 when the controller answers (scontrol ping)
#
# Environment:
#   SLURM_LOCAL_NO_DEV=1     install only munge + Slurm (skip the C++/MPI toolchain)
#   SLURM_LOCAL_PACKAGES=... replace the whole package list
#   SLURM_LOCAL_ACCOUNTING=1 also install and start MariaDB (socket only, no TCP)
#                            and slurmdbd, so that plain 'sacct' shows jobs and
#                            steps. Without it sacct is disabled; 'sacct -c'
#                            reads the job completion file instead.
#
# Jobs run as root: inside a job, mpirun needs --allow-run-as-root or
# OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1. srun needs nothing
# (MpiDefault=pmix; --mpi=pmi2 does not work with Debian's Open MPI).
set -euo pipefail

SLURM_PKGS="munge slurmctld slurmd slurm-client"
DEV_PKGS="build-essential cmake pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools \
libfftw3-dev libboost-dev libboost-program-options-dev libxxhash-dev libgtest-dev"
if [ -n "${SLURM_LOCAL_PACKAGES:-}" ]; then PKGS=$SLURM_LOCAL_PACKAGES
elif [ "${SLURM_LOCAL_NO_DEV:-0}" = 1 ]; then PKGS=$SLURM_PKGS
else PKGS="$SLURM_PKGS $DEV_PKGS"; fi
ACCOUNTING=${SLURM_LOCAL_ACCOUNTING:-0}
[ "$ACCOUNTING" = 1 ] && PKGS="$PKGS mariadb-server slurmdbd"

CONF=/etc/slurm/slurm.conf
STATE_DIR=/var/lib/slurm/slurmctld
SPOOL_DIR=/var/lib/slurm/slurmd
LOG_DIR=/var/log/slurm
MUNGE_PID=/run/munge/munged.pid
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
DBD_CONF=/etc/slurm/slurmdbd.conf
DBD_PID=/run/slurmdbd.pid
DB_PID=/run/mysqld/mysqld.pid
DB_SOCK=/run/mysqld/mysqld.sock
DB_PASS=slurm-local   # MariaDB listens on its Unix socket only (--skip-networking)
APT_LOG=/var/log/slurm-local-apt.log
CONF_CHANGED=0
T0=$(date +%s%N)

log() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[slurm-local +%d.%03ds] %s\n' $((ms / 1000)) $((ms % 1000)) "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

[ "${1:-start}" = ping ] || [ "$(id -u)" = 0 ] || die "must run as root"

# pid_of PIDFILE EXE: print the PID in PIDFILE if that process is alive and runs EXE
pid_of() {
  local f=$1 exe=$2 p cur
  [ -s "$f" ] || return 1
  p=$(tr -dc '0-9' < "$f")
  [ -n "$p" ] && [ -d "/proc/$p" ] || return 1
  cur=$(readlink "/proc/$p/exe" 2>/dev/null) || return 1
  [ "${cur% (deleted)}" = "$exe" ] || return 1
  echo "$p"
}

# stop_pid PIDFILE EXE NAME: SIGTERM the PID (if it really is EXE), wait, SIGKILL after 15 s
stop_pid() {
  local f=$1 exe=$2 name=$3 p
  if ! p=$(pid_of "$f" "$exe"); then log "$name not running"; rm -f "$f"; return 0; fi
  kill -TERM "$p"
  for _ in $(seq 1 150); do [ -d "/proc/$p" ] || break; sleep 0.1; done
  if [ -d "/proc/$p" ]; then log "$name (pid $p) ignored SIGTERM, sending SIGKILL"; kill -KILL "$p"; fi
  rm -f "$f"
  log "stopped $name (pid $p)"
}

exe_of() { readlink -f "$1"; }   # /usr/sbin/slurmd is an alternatives link to slurmd-wlm

# wait_pid PIDFILE EXE NAME: wait up to 10 s for a daemon that just forked to write its PID file
wait_pid() {
  local p
  for _ in $(seq 1 100); do p=$(pid_of "$1" "$2") && { echo "$p"; return 0; }; sleep 0.1; done
  die "$3 did not start (no live PID in $1)"
}

install_pkgs() {
  local p missing=()
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "packages already installed"; return 0; fi
  log "installing ${#missing[@]} packages: ${missing[*]} (log: $APT_LOG)"
  export DEBIAN_FRONTEND=noninteractive
  {
    apt-get update &&
    apt-get install -y --no-install-recommends "${missing[@]}"
  } > "$APT_LOG" 2>&1 || { tail -n 40 "$APT_LOG"; die "apt-get failed"; }
  log "packages installed"
}

setup_munge() {
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /etc/munge
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating munge key"
    mungekey --create --keyfile=/etc/munge/munge.key
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
}

start_munge() {
  local p
  if p=$(pid_of "$MUNGE_PID" "$(exe_of /usr/sbin/munged)"); then log "munged already running (pid $p)"; return 0; fi
  setup_munge
  rm -f "$MUNGE_PID"
  runuser -u munge -- /usr/sbin/munged   # daemonizes, writes $MUNGE_PID
  p=$(wait_pid "$MUNGE_PID" "$(exe_of /usr/sbin/munged)" munged)
  for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || die "munge does not work"
  log "started munged (pid $p)"
}

write_conf() {
  local host cluster node tmp
  host=$(hostname -s)
  cluster=$(printf '%s' "$host" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9_' '_')
  node=$(slurmd -C | head -n 1)   # NodeName=<host> CPUs=.. Boards=.. SocketsPerBoard=.. CoresPerSocket=.. ThreadsPerCore=.. RealMemory=..
  case $node in NodeName=*) ;; *) die "slurmd -C printed: $node" ;; esac
  # Slurm resolves node names; make sure this host's name resolves
  getent hosts "$host" >/dev/null || { log "adding $host to /etc/hosts"; echo "127.0.0.1 $host" >> /etc/hosts; }
  if [ "$ACCOUNTING" = 1 ]; then
    acct_lines="JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost"
  else
    acct_lines="JobAcctGatherType=jobacct_gather/none
# no slurmdbd: sacct is disabled; 'sacct -c' reads the job completion file
AccountingStorageType=accounting_storage/none"
  fi
  tmp=$(mktemp)
  cat > "$tmp" <<EOF
# Single-node Slurm cluster on localhost, written by slurm-local.sh
ClusterName=$cluster
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
# a requeued job may start again after cred_expire + 1 s (default 120): the
# time-limit requeue test (tests/e2e/slurm_requeue.sh) waits for it
AuthInfo=cred_expire=10
CredType=cred/munge
SlurmUser=slurm
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE_DIR
SlurmdSpoolDir=$SPOOL_DIR
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
MailProg=/bin/true
# no cgroups: works in containers/VMs whatever their cgroup setup
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
$acct_lines
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG_DIR/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
EnforcePartLimits=ALL
DependencyParameters=kill_invalid_depend
SchedulerType=sched/backfill
# start a submitted batch job at once (default: up to 3 s later)
SchedulerParameters=batch_sched_delay=0
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  if cmp -s "$tmp" "$CONF"; then rm -f "$tmp"; log "$CONF unchanged"
  else install -m 0644 "$tmp" "$CONF"; rm -f "$tmp"; CONF_CHANGED=1; log "wrote $CONF"; fi
  install -d -o slurm -g slurm -m 0755 "$STATE_DIR" "$LOG_DIR"
  install -d -o root -g root -m 0755 "$SPOOL_DIR"
  # a state directory saved under another cluster name makes slurmctld refuse to start
  if [ -s "$STATE_DIR/clustername" ] && [ "$(cat "$STATE_DIR/clustername")" != "$cluster" ]; then
    log "state in $STATE_DIR belongs to cluster '$(cat "$STATE_DIR/clustername")': clearing it"
    find "$STATE_DIR" -mindepth 1 -delete
  fi
}

# MariaDB + slurmdbd, only with SLURM_LOCAL_ACCOUNTING=1
start_accounting() {
  local p tmp db_exe dbd_exe
  db_exe=$(exe_of /usr/sbin/mariadbd); dbd_exe=$(exe_of /usr/sbin/slurmdbd)
  install -d -o slurm -g slurm -m 0755 "$LOG_DIR"
  if p=$(pid_of "$DB_PID" "$db_exe"); then log "mariadbd already running (pid $p)"
  else
    install -d -o mysql -g mysql -m 0755 /run/mysqld
    [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql >/dev/null
    rm -f "$DB_PID"
    # mariadbd does not daemonize itself: run it detached; it writes $DB_PID
    setsid /usr/sbin/mariadbd --user=mysql --skip-networking --socket="$DB_SOCK" \
      --pid-file="$DB_PID" --log-error="$LOG_DIR/mariadb.err" </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 300); do mysqladmin --socket="$DB_SOCK" ping >/dev/null 2>&1 && break; sleep 0.1; done
    p=$(wait_pid "$DB_PID" "$db_exe" mariadbd)
    log "started mariadbd (pid $p)"
  fi
  mysql --socket="$DB_SOCK" -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DB_PASS';
    ALTER USER 'slurm'@'localhost' IDENTIFIED BY '$DB_PASS';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
  tmp=$(mktemp)
  cat > "$tmp" <<EOF
# written by slurm-local.sh
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=slurm
PidFile=$DBD_PID
LogFile=$LOG_DIR/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageLoc=slurm_acct_db
StorageUser=slurm
StoragePass=$DB_PASS
EOF
  if ! cmp -s "$tmp" "$DBD_CONF"; then
    install -m 0600 -o slurm -g slurm "$tmp" "$DBD_CONF"; log "wrote $DBD_CONF"
    if pid_of "$DBD_PID" "$dbd_exe" >/dev/null; then stop_pid "$DBD_PID" "$dbd_exe" slurmdbd; fi
  fi
  rm -f "$tmp"
  if p=$(pid_of "$DBD_PID" "$dbd_exe"); then log "slurmdbd already running (pid $p)"
  else
    rm -f "$DBD_PID"; /usr/sbin/slurmdbd
    p=$(wait_pid "$DBD_PID" "$dbd_exe" slurmdbd)
    for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/6819) 2>/dev/null && break; sleep 0.1; done
    (exec 3<>/dev/tcp/127.0.0.1/6819) 2>/dev/null || { tail -n 20 "$LOG_DIR/slurmdbd.log"; die "slurmdbd not listening"; }
    log "started slurmdbd (pid $p)"
  fi
}

start_slurm() {
  local ctld_exe slurmd_exe p host st
  ctld_exe=$(exe_of /usr/sbin/slurmctld); slurmd_exe=$(exe_of /usr/sbin/slurmd)
  host=$(hostname -s)
  if [ "$CONF_CHANGED" = 1 ]; then   # a running daemon would keep the old config
    if pid_of "$SLURMD_PID" "$slurmd_exe" >/dev/null; then stop_pid "$SLURMD_PID" "$slurmd_exe" slurmd; fi
    if pid_of "$CTLD_PID" "$ctld_exe" >/dev/null; then stop_pid "$CTLD_PID" "$ctld_exe" slurmctld; fi
  fi
  if p=$(pid_of "$CTLD_PID" "$ctld_exe"); then log "slurmctld already running (pid $p)"
  else
    rm -f "$CTLD_PID"; /usr/sbin/slurmctld
    p=$(wait_pid "$CTLD_PID" "$ctld_exe" slurmctld)
    for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
    scontrol ping | grep -q 'is UP' || { tail -n 20 "$LOG_DIR/slurmctld.log"; die "slurmctld did not come up"; }
    log "started slurmctld (pid $p)"
  fi
  if p=$(pid_of "$SLURMD_PID" "$slurmd_exe"); then log "slurmd already running (pid $p)"
  else
    rm -f "$SLURMD_PID"; /usr/sbin/slurmd
    p=$(wait_pid "$SLURMD_PID" "$slurmd_exe" slurmd)
    log "started slurmd (pid $p)"
  fi
  # wait until the node has registered (no '*' = responding); resume it if drained
  for _ in $(seq 1 300); do
    st=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    case $st in
      *drain*|*fail*) log "node is '$st': resuming"; scontrol update nodename="$host" state=resume || true ;;
      idle|mixed|allocated|completing) break ;;
    esac
    sleep 0.1
  done
  case $st in idle|mixed|allocated|completing) ;; *) tail -n 20 "$LOG_DIR/slurmd.log"; die "node state is '$st'" ;; esac
  if [ "$st" = idle ]; then
    timeout 60 srun -N1 -n1 -t 1 true || die "smoke test 'srun true' failed"
    log "smoke test 'srun -n1 true' passed"
  fi
}

stop_all() {
  local jobs
  if pid_of "$CTLD_PID" "$(exe_of /usr/sbin/slurmctld)" >/dev/null; then
    mapfile -t jobs < <(squeue -h -o %A 2>/dev/null || true)
    if [ ${#jobs[@]} -gt 0 ]; then
      log "cancelling jobs: ${jobs[*]}"
      scancel "${jobs[@]}" || true
      for _ in $(seq 1 300); do [ -z "$(squeue -h -o %A -t R,CG,PD 2>/dev/null)" ] && break; sleep 0.1; done
    fi
  fi
  stop_pid "$SLURMD_PID" "$(exe_of /usr/sbin/slurmd)" slurmd
  stop_pid "$CTLD_PID" "$(exe_of /usr/sbin/slurmctld)" slurmctld
  if [ -x /usr/sbin/slurmdbd ]; then stop_pid "$DBD_PID" "$(exe_of /usr/sbin/slurmdbd)" slurmdbd; fi
  if [ -x /usr/sbin/mariadbd ]; then stop_pid "$DB_PID" "$(exe_of /usr/sbin/mariadbd)" mariadbd; fi
  stop_pid "$MUNGE_PID" "$(exe_of /usr/sbin/munged)" munged
}

status() {
  local n f e p
  for n in munged:$MUNGE_PID mariadbd:$DB_PID slurmdbd:$DBD_PID slurmctld:$CTLD_PID slurmd:$SLURMD_PID; do
    [ -e "/usr/sbin/${n%%:*}" ] || continue
    f=${n#*:}; e=$(exe_of "/usr/sbin/${n%%:*}" 2>/dev/null || true)
    if p=$(pid_of "$f" "$e"); then echo "${n%%:*}: running, pid $p"; else echo "${n%%:*}: not running"; fi
  done
  if pid_of "$CTLD_PID" "$(exe_of /usr/sbin/slurmctld)" >/dev/null; then sinfo; squeue; fi
}

case ${1:-start} in
  install) install_pkgs ;;
  start)
    install_pkgs
    start_munge
    if [ "$ACCOUNTING" = 1 ]; then start_accounting; fi
    write_conf
    start_slurm
    log "cluster up"
    sinfo
    ;;
  stop) [ -x /usr/sbin/slurmctld ] || { log "slurm not installed"; exit 0; }; stop_all ;;
  status) status ;;
  ping) scontrol ping 2>/dev/null | grep -q 'is UP' ;;
  *) echo "usage: $0 [start|stop|status|install|ping]" >&2; exit 2 ;;
esac
