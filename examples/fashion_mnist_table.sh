#!/usr/bin/env bash
# Reproduces the README's Fashion-MNIST results with one command: SimCLR
# pretraining of the small CNN at width 2 (fashion_mnist_pretrain_width2.json,
# about 80 min on 2 cores), the linear evaluation at 100/20/5 % of the labels
# against a random-init encoder of the same width and raw pixels, t-SNE maps
# before and after, and the fine-tuned evaluation (hours on 2 cores: last).
# Writes runs/fashion_mnist_table.md; each job's events, report.json and
# report.md (or PNG) are in runs/NAME/.
#
# Stopped (Ctrl-C) or killed? Run it again: a finished job is skipped,
# pretraining continues from its last checkpoint and fine-tuning keeps its
# finished runs. A job folder made by another spec (or, for an evaluation,
# another pretrained encoder) is moved aside, never mixed in.
#
#   examples/fashion_mnist_table.sh        (from the repository root)
#   THREADS=2 by default: LibTorch intra-op threads.
set -euo pipefail
cd "$(dirname "$0")/.."
worker=${WORKER:-build/core/simclr-worker}
threads=${THREADS:-2}
jobs=examples/jobs

pretrained=runs/fashion_mnist_pretrain_width2/checkpoints/final

# What a job's results depend on: its spec and, for an evaluation, the
# pretrained encoder (its meta.json holds the files' SHA-256).
inputs() {
  cat "$jobs/$1.json"
  if [[ $1 != fashion_mnist_pretrain_width2 ]]; then cat "$pretrained/meta.json"; fi
}

# job NAME DONE: run or continue examples/jobs/NAME.json in runs/NAME unless
# runs/NAME/DONE exists from the same inputs.
job() {
  local name=$1 done=$2 dir=runs/$1 spec=$jobs/$1.json start=$SECONDS
  if [[ -e $dir ]] && ! cmp -s <(inputs "$name") "$dir/job_inputs"; then
    local aside
    aside=$dir.replaced-$(date -u +%Y%m%dT%H%M%SZ)
    mv "$dir" "$aside"
    echo "   runs/$name came from another spec or encoder; moved to $aside" >&2
  fi
  if [[ -e $dir/$done ]]; then
    echo "== $name: done before (delete $dir to redo)" >&2
    return
  fi
  mkdir -p "$dir"
  inputs "$name" > "$dir/job_inputs"
  echo "== $name" >&2
  # `resume` starts a job afresh when its folder holds no progress.
  "$worker" --num_threads "$threads" resume --spec "$spec" --job_dir "$dir" \
      --events text >> "$dir/events.jsonl" || {
    local code=$?
    echo "   $name stopped (exit $code); run this script again to continue" >&2
    exit "$code"
  }
  echo "   $name: $((SECONDS - start)) s" >&2
}

[[ -x $worker ]] || make build
mkdir -p runs
job fashion_mnist_pretrain_width2 checkpoints/final
job fashion_mnist_linear_eval report.json
job fashion_mnist_tsne_random_init report.json
job fashion_mnist_tsne report.json
job fashion_mnist_finetune report.json
"$worker" table runs/fashion_mnist_linear_eval/report.json \
    runs/fashion_mnist_finetune/report.json | tee runs/fashion_mnist_table.md
for name in fashion_mnist_tsne_random_init fashion_mnist_tsne; do
  grep -o '"trustworthiness_k10": [0-9.]*' "runs/$name/report.json" |
      sed "s/^/$name: /"
done
