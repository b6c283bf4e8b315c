#!/usr/bin/env bash
# Issue 26's table: examples/jobs/fashion_mnist_report_30min.json (three
# 30-minute pretrainings of the small CNN at width 1 with 1,024 features,
# seeds 1-3; the linear probe at 100/20/5 % × 10 beside random-init and raw
# pixels; fine-tuning at 100 %; t-SNE before and after) as one report job,
# run by the standalone worker in runs/report_30min/. About 4 hours on 2
# cores, so it is meant to run across several sittings:
#
#   examples/fashion_mnist_30min_report.sh          run or continue it
#   examples/fashion_mnist_30min_report.sh --save   copy the finished
#       pretraining steps' encoders and curves, and the evaluations'
#       finished runs, to docs/results/fashion_mnist_30min/ (committed), so
#       that a fresh clone continues after them
#
# A run restores the saved steps first; the worker keeps a finished step
# (checkpoints/final/encoder.pt and meta.json present) and resumes an
# evaluation after its finished runs (finished_runs.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."
spec=examples/jobs/fashion_mnist_report_30min.json
job=${JOB_DIR:-runs/report_30min}
saved=docs/results/fashion_mnist_30min/steps
worker=${WORKER:-build/core/simclr-worker}
# Evaluation steps that resume after their finished runs.
eval_steps="linear_eval finetune"
# Lines of a file (0 when absent); finished_runs.jsonl's first is its fingerprint.
lines() { [[ -f $1 ]] && wc -l < "$1" || echo 0; }

# The CPU a step ran on: a 30-minute budget buys twice the steps on some of
# the machines this runs on as on others (docs/results.md).
machine() { echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) model $(grep -m1 '^model[[:space:]]' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"; }

pretrain_steps() { /usr/bin/python3 -c "
import json; print(' '.join('pretrain_seed_%d' % s for s in json.load(open('$spec'))['report']['pretrain_seeds']))"; }

if [[ ${1:-} == --save ]]; then
  for step in $(pretrain_steps); do
    final=$job/steps/$step/checkpoints/final
    [[ -f $final/encoder.pt && -f $final/meta.json ]] || continue
    mkdir -p "$saved/$step/checkpoints/final" "$saved/$step/artifacts"
    cp -L "$final/encoder.pt" "$final/meta.json" "$saved/$step/checkpoints/final/"
    cp -L "$job/steps/$step/artifacts/"training_curves.* "$saved/$step/artifacts/"
    [[ -f $job/steps/$step/machine.txt ]] || machine > "$job/steps/$step/machine.txt"
    cp "$job/steps/$step/machine.txt" "$saved/$step/"
    echo "saved $step ($(sha256sum "$final/encoder.pt" | cut -c1-16)…)"
  done
  for step in $eval_steps; do
    runs=$job/steps/$step/finished_runs.jsonl
    [[ -f $runs ]] || continue
    mkdir -p "$saved/$step"
    cp "$runs" "$saved/$step/"
    echo "saved $step: $(($(lines "$runs") - 1)) finished run(s)"
  done
  exit 0
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--save]" >&2
  exit 2
fi

for step in $(pretrain_steps); do
  if [[ -d $saved/$step && ! -e $job/steps/$step/checkpoints/final/encoder.pt ]]; then
    mkdir -p "$job/steps"
    rm -rf "${job:?}/steps/$step"
    cp -r "$saved/$step" "$job/steps/$step"
    echo "restored $step from $saved (trained on $(cat "$saved/$step/machine.txt" 2>/dev/null))"
  fi
done
# An evaluation's saved runs replace the local ones only when there are more.
for step in $eval_steps; do
  saved_runs=$saved/$step/finished_runs.jsonl
  runs=$job/steps/$step/finished_runs.jsonl
  [[ -f $saved_runs && $(lines "$saved_runs") -gt $(lines "$runs") ]] || continue
  mkdir -p "$job/steps/$step"
  cp "$saved_runs" "$runs"
  echo "restored $step's $(($(lines "$runs") - 1)) finished run(s) from $saved"
done
echo "this machine: $(machine)"
# `resume` starts a job that has not started yet, and continues one that has.
exec "$worker" resume --events text --spec "$spec" --job_dir "$job"
