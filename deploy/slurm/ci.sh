#!/bin/bash
# CI test of the Slurm scripts on a real one-node cluster (called by
# .ci/run; needs root). It installs Debian's slurm-wlm and munge when they
# are missing, configures a cluster on localhost in a private state
# directory (the node's real CPU count and RealMemory, ports that are
# free), starts munged, slurmctld and slurmd and records their PIDs, then:
#
#  1. submits a generated site with submit.sh, through a siftload that
#     fails in shard 2: submit.sh must report shard 2 and end (the merge
#     is cancelled, not left pending);
#  2. re-runs shard 2 with submit.sh --retry, with the scripts' defaults:
#     the merged plan must be byte for byte the plan of one siftload
#     process;
#  3. imports the plan with submit.sh --import into SQLite, through a
#     database URL with a comma, and checks the rows.
#
# The daemons are stopped by PID and the state removed on any exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
start=$(date +%s)
say() { printf '[slurm ci %3ds] %s\n' $(($(date +%s) - start)) "$*"; }

need=()
command -v slurmctld >/dev/null || need+=(slurm-wlm)
command -v munged >/dev/null || need+=(munge)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

state=$(mktemp -d /tmp/siftload-slurm.XXXXXX)
chmod 755 "$state"
pids=()
cleanup() {
  local rc=$? pid jobs
  # Jobs first, so that no job step outlives its slurmd.
  if [ -n "${SLURM_CONF:-}" ] && jobs=$(squeue -h -o %i 2>/dev/null) && [ -n "$jobs" ]; then
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 50); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    for f in "$state"/log/*.log "$state"/workroot/*/logs/*.log; do
      [ -f "$f" ] || continue
      echo "--- $f"; tail -n 20 "$f"
    done
  fi
  rm -rf "$state"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$state"/{log,ctld,spool,munge,bin,workroot}

# free_port: a TCP port on loopback that nothing listens on.
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

say "munged"
dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$state/munge"
chmod 400 "$state/munge/munge.key"
munged -F -f --key-file="$state/munge/munge.key" --socket="$state/munge/munge.socket" \
  --pid-file="$state/munge/munged.pid" --log-file="$state/log/munged.log" \
  --seed-file="$state/munge/munged.seed" >>"$state/log/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -S "$state/munge/munge.socket" ] && break; sleep 0.1; done
munge -S "$state/munge/munge.socket" -n | unmunge -S "$state/munge/munge.socket" >/dev/null

# The node as slurmd sees it: the real CPU count and memory.
hw=$(slurmd -C | head -1)
cpus=$(grep -o 'CPUs=[0-9]*' <<<"$hw" | cut -d= -f2)
mem=$(grep -o 'RealMemory=[0-9]*' <<<"$hw" | cut -d= -f2)
ctldport=$(free_port)
dport=$(free_port)
export SLURM_CONF=$state/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=siftloadci
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctldport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/munge/munge.socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=256
ReturnToService=2
SlurmdTimeout=30
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=localhost Default=YES MaxTime=30 State=UP
CONF

say "slurmctld and slurmd (CPUs=$cpus RealMemory=$mem, ports $ctldport $dport)"
slurmctld -D -i -f "$SLURM_CONF" >"$state/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$state/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 1
done
sinfo -h -N -o '%N %T %c %m' | grep -E 'idle|mixed|allocated' || { echo "the node did not come up"; sinfo -N; exit 1; }

say "siftload and a generated site"
go build -o "$state/bin/siftload" ./cmd/siftload
go run ./bench/gen -dir "$state/site" -snapshots 12 -keys 8 -rows 400 -columns 5 -seed 7 -tar-every 4 >/dev/null
"$state/bin/siftload" analyze "$state/site" --out "$state/local.plan.csv" -q

# A siftload that fails in shard 2 while $state/fail exists.
cat >"$state/bin/flaky" <<FLAKY
#!/bin/bash
if [ -e "$state/fail" ] && [ "\${SLURM_ARRAY_TASK_ID:-}" = 2 ]; then echo "flaky: shard 2 fails" >&2; exit 3; fi
exec "$state/bin/siftload" "\$@"
FLAKY
chmod +x "$state/bin/flaky"
touch "$state/fail"

# The scripts as shipped, on this small node: only the knobs of the
# environment, and run from a directory that must stay free of logs.
mkdir "$state/cwd"
cd "$state/cwd"
export SIFTLOAD=$state/bin/flaky SHARDS=4 CPUS=1 MEM=300M TIME=10 PARTITION=ci
say "submit.sh (shard 2 fails)"
set +e
out=$("$repo/deploy/slurm/submit.sh" "$state/site" "$state/workroot" 2>&1)
rc=$?
set -e
echo "$out"
[ $rc -eq 1 ] || { echo "submit.sh exited $rc with a failed shard, want 1"; exit 1; }
grep -q 'shards failed: 2 ' <<<"$out" || { echo "submit.sh did not name shard 2"; exit 1; }
work=$(ls -d "$state"/workroot/siftload-*)
[ ! -e "$work/plan.csv" ] || { echo "a plan was merged without shard 2"; exit 1; }
[ -z "$(squeue -h)" ] || { echo "jobs left in the queue:"; squeue; exit 1; }

say "submit.sh --retry $work 2 (the scripts' defaults: no MEM, TIME or PARTITION)"
rm "$state/fail"
unset MEM TIME PARTITION
"$repo/deploy/slurm/submit.sh" --retry "$work" 2
cmp "$state/local.plan.csv" "$work/plan.csv" || { diff "$state/local.plan.csv" "$work/plan.csv" | head; exit 1; }
say "the merged plan is byte for byte the plan of one process ($(($(wc -l <"$work/plan.csv") - 1)) keys)"
[ -z "$(ls "$state/cwd")" ] || { echo "logs outside WORK: $(ls "$state/cwd")"; exit 1; }
ls "$work"/logs/analyze-*_2.log >/dev/null

say "submit.sh --import into SQLite"
export DB="sqlite:$state/load,1.db" PASSWORD_FILE=
"$repo/deploy/slurm/submit.sh" --import "$work"
[ -s "$state/load,1.db" ] || { echo "the import did not write $state/load,1.db (a URL cut at its comma?)"; exit 1; }
"$state/bin/siftload" import --plan "$work/plan.csv" --base "$state/site" --db "$DB" 2>&1 | tee "$state/again.txt"
grep -q ' 0 loaded, 0 replaced, ' "$state/again.txt" || { echo "the import did not load every key"; exit 1; }
say "passed"
