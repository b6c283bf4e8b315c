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
  if [ "${PROBE_SPLIT:-}" = 1 ]; then  # 100 % once (its repeats differ by hundredths), 5 % three times
    PROBE_FRACTION=1.0 PROBE_REPEATS=1 /usr/bin/python3 "$HERE/probe.py" $n > probe100_$n.json
    $W run --events text --spec probe100_$n.json --job_dir jobs/probe100_$n > probe100_$n.log 2>&1
    mkdir -p jobs/probe5_$n && cp -r jobs/probe100_$n/features jobs/probe5_$n/ 2>/dev/null
    PROBE_FRACTION=0.05 /usr/bin/python3 "$HERE/probe.py" $n > probe5_$n.json
    $W run --events text --spec probe5_$n.json --job_dir jobs/probe5_$n > probe5_$n.log 2>&1
    cat jobs/probe100_$n/report.md jobs/probe5_$n/report.md > results_$n.md 2>/dev/null
  else
    PROBE_GRID=${PROBE_GRID:-} /usr/bin/python3 "$HERE/probe.py" $n > probe_$n.json
    $W run --events text --spec probe_$n.json --job_dir jobs/probe_$n > probe_$n.log 2>&1
    cp jobs/probe_$n/report.md results_$n.md 2>/dev/null
  fi
  date > done/$n
done
