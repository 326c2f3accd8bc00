#!/usr/bin/env bash
# bench/scale.sh: how analysis time scales with processes. On one generated
# site it times, for P = 1, 2 and 4:
#   local   one "siftload analyze --workers P" process (the reference)
#   shards  P "analyze --shard I/P --workers 1" processes at once, then merge
#   queue   P "siftload worker --workers 1" processes on a NATS JetStream
#           queue, and "analyze --queue" handing out the archives
# and checks that every plan is byte for byte the local one.
#
#   bench/scale.sh                 # the default site (60 snapshots, ~75 MB)
#   SCALE_GEN="-snapshots 200 -keys 40 -rows 8000 -columns 8 -tar-every 5" bench/scale.sh
#
# Each figure is the best of SCALE_RUNS runs (default 3): on a shared
# machine the best run is the one least disturbed by others.
#
# NATS: SIFTLOAD_BENCH_NATS_URL if set; otherwise a private nats-server on a
# loopback port (when nats-server is installed), else nats://127.0.0.1:4222;
# without any, the queue rows are skipped. Work files go to a temporary
# directory (SCALE_DIR to keep them). Exit status: 0, or 1 on an error or a
# plan that differs.
set -euo pipefail
cd "$(dirname "$0")/.."

gen_args=${SCALE_GEN:-"-snapshots 60 -keys 40 -rows 4000 -columns 8 -tar-every 5"}
runs=${SCALE_RUNS:-3}
work=${SCALE_DIR:-$(mktemp -d)}
mkdir -p "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -z "${SCALE_DIR:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# cpu_mark sets CPU to the user+system seconds of this shell's finished
# children so far (times must run in this shell, not in a $(...)).
cpu_mark() {
  times >"$work/.times"
  CPU=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /m|s/); s += a[1] * 60 + a[2] }; printf "%.2f", s }' "$work/.times")
}
cpu_since() { # cpu_since MARK: sets CPU to the seconds since MARK
  local from=$1
  cpu_mark
  CPU=$(awk -v a="$from" -v b="$CPU" 'BEGIN { printf "%.2f", b - a }')
}
best() { # best A B: the smaller of two figures ("-" for none yet)
  if [ "$1" = "-" ]; then echo "$2"; else awk -v a="$1" -v b="$2" 'BEGIN { print (b < a ? b : a) }'; fi
}

echo "building siftload and the site in $work"
go build -o "$work/siftload" ./cmd/siftload
bin="$work/siftload"
# shellcheck disable=SC2086
go run ./bench/gen -dir "$work/site" -seed 1 $gen_args
cd "$work"

# A NATS server with JetStream.
nats_url=${SIFTLOAD_BENCH_NATS_URL:-}
if [ -z "$nats_url" ] && command -v nats-server >/dev/null; then
  port=$((14222 + RANDOM % 1000))
  nats-server -a 127.0.0.1 -p "$port" -js -sd "$work/jetstream" -l "$work/nats.log" &
  pids+=($!)
  for _ in $(seq 1 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  nats_url="nats://127.0.0.1:$port"
elif [ -z "$nats_url" ]; then
  nats_url="nats://127.0.0.1:4222"
fi
hostport=${nats_url#*://}
if ! (echo >"/dev/tcp/${hostport%:*}/${hostport##*:}") 2>/dev/null; then
  echo "no NATS server at $nats_url: queue rows skipped"
  nats_url=""
fi

status=0
check() { # check NAME FILE: compare a plan with the reference
  if ! cmp -s reference.csv "$2"; then
    echo "$1: plan differs from the local one" >&2
    status=1
  fi
}

"$bin" analyze site --workers 1 --out reference.csv -q
# time_local P, time_shards P, time_queue P: one run each; they set the
# globals local_s, shards_s, merge_s, total_s, queue_s (wall) and
# local_c, total_c, queue_c (CPU seconds of every process involved).
time_local() {
  local t c
  cpu_mark
  t=$(now) c=$CPU
  "$bin" analyze site --workers "$1" --out "local-$1.csv" -q
  local_s=$(since "$t")
  cpu_since "$c"
  local_c=$CPU
  check "local $1" "local-$1.csv"
}

time_shards() {
  local P=$1 t t2 i p c
  local -a shard_pids=()
  rm -rf "parts-$P" && mkdir "parts-$P"
  cpu_mark
  t=$(now) c=$CPU
  for ((i = 0; i < P; i++)); do
    "$bin" analyze site --shard "$i/$P" --workers 1 --candidates "parts-$P/part-$i.csv" -q &
    shard_pids+=($!)
  done
  for p in "${shard_pids[@]}"; do wait "$p"; done
  shards_s=$(since "$t")
  t2=$(now)
  "$bin" merge "parts-$P"/part-*.csv --out "shards-$P.csv" -q
  merge_s=$(since "$t2")
  total_s=$(since "$t")
  cpu_since "$c"
  total_c=$CPU
  check "shards $P" "shards-$P.csv"
}

time_queue() {
  local P=$1 qname="bench_$$_$1" t i p c
  local -a worker_pids=()
  cpu_mark
  c=$CPU
  for ((i = 0; i < P; i++)); do
    "$bin" worker --queue "$nats_url" --queue-name "$qname" --workers 1 -q 2>>workers.log &
    worker_pids+=($!)
  done
  pids+=("${worker_pids[@]}")
  sleep 1 # the workers connect
  t=$(now)
  "$bin" analyze site --queue "$nats_url" --queue-name "$qname" --out "queue-$P.csv" -q
  queue_s=$(since "$t")
  for p in "${worker_pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  cpu_since "$c"
  queue_c=$CPU
  check "queue $P" "queue-$P.csv"
}

results=()
for P in 1 2 4; do
  b_local=- b_shards=- b_merge=- b_total=- b_queue=- c_local=- c_total=- c_queue=-
  for ((r = 0; r < runs; r++)); do
    time_local "$P"
    b_local=$(best "$b_local" "$local_s") c_local=$(best "$c_local" "$local_c")
    time_shards "$P"
    b_shards=$(best "$b_shards" "$shards_s")
    b_merge=$(best "$b_merge" "$merge_s")
    b_total=$(best "$b_total" "$total_s") c_total=$(best "$c_total" "$total_c")
    if [ -n "$nats_url" ]; then
      time_queue "$P"
      b_queue=$(best "$b_queue" "$queue_s") c_queue=$(best "$c_queue" "$queue_c")
    fi
  done
  results+=("$(printf '%-9s %7s %6s  %7s %6s %7s %6s  %7s %6s' "$P" "$b_local" "$c_local" "$b_shards" "$b_merge" "$b_total" "$c_total" "$b_queue" "$c_queue")")
done

archives=$(find site -type f | wc -l)
bytes=$(find site -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo
echo "site: $archives archives, $bytes bytes; $(nproc) CPUs; seconds, best of $runs"
echo "(wall: elapsed; cpu: user+system of all the processes of the step)"
printf '%-9s %7s %6s  %7s %6s %7s %6s  %7s %6s\n' "" local "" shards merge "+merge" "" queue ""
printf '%-9s %7s %6s  %7s %6s %7s %6s  %7s %6s\n' processes wall cpu wall wall wall cpu wall cpu
printf '%s\n' "${results[@]}"
exit $status
