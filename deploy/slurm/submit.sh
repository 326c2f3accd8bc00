#!/bin/bash
# Submits a sharded analysis to Slurm, and later its import.
#
#   submit.sh SITE WORKROOT          analyze SITE in a fresh directory under WORKROOT
#   submit.sh --retry WORK SHARD...  re-run failed shards of WORK, then merge again
#   submit.sh --import WORK          load WORK/plan.csv (after the review) into $DB
#
# Every submission gets its own directory, WORKROOT/siftload-DATE-XXXXXX
# (WORK below): the parts, the plan, the logs (WORK/logs) and a record of
# the submission (WORK/submission: SITE, SHARDS, job IDs). Nothing of an
# earlier run is ever merged or imported. The array analyzes shards 0 to
# SHARDS-1 (part-I.csv each) and the merge waits for all of them
# (afterok, --kill-on-invalid-dep=yes: a failed shard cancels the merge).
#
# Settings, from the environment (the defaults fit a small node):
#   SHARDS=4        array tasks (shards) of the analysis
#   CPUS=1          CPUs per task (siftload --workers)
#   MEM=            memory per task (sbatch --mem, such as 2G); unset: the cluster's default
#   PARTITION=      sbatch --partition; unset: the default partition
#   ACCOUNT=        sbatch --account; unset: your default account
#   TIME=           sbatch --time of every job (such as 12:00:00); unset: the partition's default
#   SIFTLOAD=siftload  the siftload binary, at the same path on every node
#   WAIT=1          wait for the jobs and report (failed shards, the plan); WAIT=0 returns at once
#   DB=             --import only: the database URL, without a password
#   PASSWORD_FILE=  --import only: default ~/.config/siftload/db-password; empty: none
#
# Values reach the jobs through the environment (sbatch --export=ALL), so a
# URL with commas arrives whole.
#
# Exit status: 0 the jobs were submitted (WAIT=0) or ended well (the plan
# written; for --import, loaded), 1 a submission or a job failed, 2 usage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  sed -n '4,6p' "$0" | sed 's/^#   /usage: /' >&2
  exit 2
}
die() { echo "submit.sh: $*" >&2; exit 1; }

SHARDS=${SHARDS:-4}
CPUS=${CPUS:-1}
WAIT=${WAIT:-1}
[[ $SHARDS =~ ^[1-9][0-9]*$ ]] || die "SHARDS=$SHARDS: want a whole number from 1"
[[ $CPUS =~ ^[1-9][0-9]*$ ]] || die "CPUS=$CPUS: want a whole number from 1"

# The sbatch options every job gets.
opts=(--parsable --export=ALL --cpus-per-task="$CPUS")
[ -n "${MEM:-}" ] && opts+=(--mem="$MEM")
[ -n "${PARTITION:-}" ] && opts+=(--partition="$PARTITION")
[ -n "${ACCOUNT:-}" ] && opts+=(--account="$ACCOUNT")
[ -n "${TIME:-}" ] && opts+=(--time="$TIME")

# submitted holds "ID (what)" of every job of this call; a failed
# submission cancels them and names them.
submitted=()
submit() { # submit WHAT SBATCH-ARGS...: sets job to the job ID
  local what=$1 out
  shift
  if ! out=$(sbatch "${opts[@]}" "$@" 2>&1); then
    echo "submit.sh: sbatch of the $what job: $out" >&2
    cancel_submitted
    exit 1
  fi
  job=${out%%;*}
  submitted+=("$job ($what)")
}
cancel_submitted() {
  local j
  for j in "${submitted[@]}"; do
    scancel "${j%% *}" 2>/dev/null || true
    echo "submit.sh: cancelled job $j" >&2
  done
}

# read_submission WORK: sets SITE and SHARDS from WORK/submission.
read_submission() {
  local f=$1/submission k v
  [ -r "$f" ] || die "$1 is not a submission directory of submit.sh (no $f)"
  while IFS='=' read -r k v; do
    case $k in
    SITE) SITE=$v ;;
    SHARDS) SHARDS=$v ;;
    esac
  done <"$f"
}

# wait_jobs ID...: waits until Slurm no longer lists the jobs.
wait_jobs() {
  local ids
  ids=$(IFS=,; echo "$*")
  while [ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]; do sleep 2; done
}

# report: what the analysis left in WORK; exit 1 unless the plan is there.
report() {
  local failed=() i
  for ((i = 0; i < SHARDS; i++)); do
    [ -s "$WORK/part-$i.csv" ] || failed+=("$i")
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "submit.sh: ${#failed[@]} of $SHARDS shards failed: ${failed[*]} (no $WORK/part-I.csv); their logs:" >&2
    for i in "${failed[@]}"; do ls "$WORK"/logs/analyze-*_"$i".log 2>/dev/null | sed 's/^/  /' >&2 || true; done
    echo "submit.sh: the merge was cancelled; after a fix: $0 --retry $WORK ${failed[*]}" >&2
    exit 1
  fi
  if [ ! -s "$WORK/plan.csv" ]; then
    echo "submit.sh: every shard is done but the merge wrote no plan; see $WORK/logs/merge-*.log" >&2
    exit 1
  fi
  echo "plan: $WORK/plan.csv (problems: $WORK/plan.problems.csv)"
  echo "after the review: DB=URL $0 --import $WORK"
}

# analyze SHARD-LIST: submits the array for those shards and the merge.
analyze() {
  local array merge
  submit analyze --job-name=siftload-analyze --array="$1" \
    --output="$WORK/logs/analyze-%A_%a.log" "$here/analyze-array.sbatch"
  array=$job
  submit merge --job-name=siftload-merge \
    --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$WORK/logs/merge-%j.log" "$here/merge.sbatch"
  merge=$job
  echo "analyze=$array merge=$merge" >>"$WORK/submission"
  echo "WORK=$WORK analyze: job $array (array $1 of $SHARDS shards), merge: job $merge"
  if [ "$WAIT" = 1 ]; then
    wait_jobs "$array" "$merge"
    report
  fi
}

[ $# -ge 2 ] || usage
case $1 in
--retry)
  [ $# -ge 3 ] || usage
  WORK=$(cd "$2" && pwd)
  read_submission "$WORK"
  shift 2
  for i in "$@"; do
    [[ $i =~ ^[0-9]+$ ]] && ((i < SHARDS)) || die "shard $i: want a number from 0 to $((SHARDS - 1))"
    rm -f "$WORK/part-$i.csv"
  done
  rm -f "$WORK/plan.csv" "$WORK/plan.problems.csv"
  export SITE WORK SHARDS
  analyze "$(IFS=,; echo "$*")"
  ;;
--import)
  [ $# -eq 2 ] || usage
  : "${DB:?set DB to the database URL (without a password)}"
  WORK=$(cd "$2" && pwd)
  read_submission "$WORK"
  [ -s "$WORK/plan.csv" ] || die "$WORK has no plan.csv: the analysis has not ended well"
  export SITE WORK DB
  [ -n "${PASSWORD_FILE+set}" ] && export PASSWORD_FILE
  submit import --job-name=siftload-import --output="$WORK/logs/import-%j.log" "$here/import.sbatch"
  imp=$job
  echo "import=$imp" >>"$WORK/submission"
  echo "WORK=$WORK import: job $imp"
  if [ "$WAIT" = 1 ]; then
    wait_jobs "$imp"
    state=$(scontrol -o show job "$imp" 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)
    echo "import: ${state:-ended}; log: $WORK/logs/import-$imp.log"
    [ "$state" = JobState=COMPLETED ] || exit 1
  fi
  ;;
-*) usage ;;
*)
  [ $# -eq 2 ] || usage
  [ -d "$1" ] || die "site $1 is not a directory"
  SITE=$(cd "$1" && pwd)
  mkdir -p "$2"
  WORK=$(mktemp -d "$(cd "$2" && pwd)/siftload-$(date -u +%Y%m%dT%H%M%SZ)-XXXXXX")
  chmod 755 "$WORK"
  mkdir "$WORK/logs"
  printf 'SITE=%s\nSHARDS=%d\n' "$SITE" "$SHARDS" >"$WORK/submission"
  export SITE WORK SHARDS
  analyze "0-$((SHARDS - 1))"
  ;;
esac
