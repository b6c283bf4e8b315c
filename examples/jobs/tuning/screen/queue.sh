#!/bin/bash
# queue.sh: runs every line of queue.txt (beside it) ("NAME ENCODER BUDGET [key=json...]") not yet done: pretrain, then probe.
# Run from anywhere; the runs go to runs/screen/ (ignored by git).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)
mkdir -p "$ROOT/runs/screen" && cd "$ROOT/runs/screen"
W=$ROOT/build/core/simclr-worker
while true; do
  while [ -f hold ]; do sleep 10; done  # touch runs/screen/hold to pause between runs
  line=$(grep -v '^#' "$HERE/queue.txt" | while read -r n rest; do [ -n "$n" ] && [ ! -f done/$n ] && echo "$n $rest" && break; done)
  [ -z "$line" ] && { sleep 20; continue; }
  set -- $line; n=$1; shift
  mkdir -p done
  if [ "$1" = finetune ]; then  # "NAME finetune PRETRAINED [key=json...]": fine-tune at 100 %, 1 repeat
    shift
    /usr/bin/python3 "$HERE/finetune_probe.py" "$@" > $n.json || continue
    $W run --events text --spec $n.json --job_dir jobs/$n > $n.log 2>&1
    cp jobs/$n/report.md results_$n.md 2>/dev/null
    date > done/$n
    continue
  fi
  /usr/bin/python3 "$HERE/spec.py" $n "$@" > $n.json || continue
  if [ ! -f jobs/$n/checkpoints/final/encoder.pt ]; then
    $W run --events text --spec $n.json --job_dir jobs/$n > $n.log 2>&1
  fi
  /usr/bin/python3 "$HERE/probe.py" $n > probe_$n.json
  $W run --events text --spec probe_$n.json --job_dir jobs/probe_$n > probe_$n.log 2>&1
  cp jobs/probe_$n/report.md results_$n.md 2>/dev/null
  date > done/$n
done
