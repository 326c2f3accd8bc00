#!/bin/bash
# Submits the analysis of SITE as an array job and the merge after it.
# The import is left to you, after the review:
#   deploy/slurm/submit.sh /shared/site-rgb /shared/siftload-rgb
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 SITE WORK" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
export SITE=$1 WORK=$2
analyze=$(sbatch --parsable --export=ALL "$here/analyze-array.sbatch")
merge=$(sbatch --parsable --export=ALL --dependency="afterok:${analyze%%;*}" "$here/merge.sbatch")
echo "analyze: job ${analyze%%;*} (array), merge: job ${merge%%;*}"
echo "after the review: sbatch --export=ALL,SITE=$SITE,WORK=$WORK,DB=... $here/import.sbatch"
