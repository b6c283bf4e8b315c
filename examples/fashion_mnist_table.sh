#!/usr/bin/env bash
# Reproduces the README's Fashion-MNIST results with one command: SimCLR
# pretraining of the small CNN at width 2 (fashion_mnist_pretrain_width2.json,
# about 80 min on 2 cores), the linear evaluation at 100/20/5 % of the labels
# against a random-init encoder of the same width and raw pixels, t-SNE maps
# before and after, and the fine-tuned evaluation, one job per label fraction
# (about 45 min each on 2 cores, the scarcest labels first). Writes
# runs/fashion_mnist_table.md; each job's events, report.json and report.md
# (or PNG) are in runs/NAME/.
#
# Stopped (Ctrl-C) or killed? Run it again: a finished job is skipped,
# pretraining continues from its last checkpoint and fine-tuning keeps its
# finished runs. A job folder made by another spec (or, for an evaluation,
# another pretrained encoder) is moved aside, never mixed in.
#
#   examples/fashion_mnist_table.sh                  (from the repository root)
#   examples/fashion_mnist_table.sh --encoder DIR    no pretraining: evaluate
#       the checkpoint folder DIR (encoder.pt, meta.json and the spec.json it
#       was trained from, which must be fashion_mnist_pretrain_width2.json),
#       e.g. examples/encoders/fashion_mnist_small_cnn_w2, the README's encoder.
#   THREADS=2 by default: LibTorch intra-op threads.
set -euo pipefail
cd "$(dirname "$0")/.."
worker=${WORKER:-build/core/simclr-worker}
threads=${THREADS:-2}
jobs=examples/jobs
encoder_from=
if [[ ${1:-} == --encoder ]]; then
  encoder_from=${2:?--encoder needs a checkpoint folder}
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--encoder DIR]" >&2
  exit 2
fi

pretrained=runs/fashion_mnist_pretrain_width2/checkpoints/final

# What a job's results depend on: its spec and, for an evaluation, the
# pretrained encoder (its meta.json holds the files' SHA-256).
inputs() {
  cat "$jobs/$1.json"
  if [[ $1 != fashion_mnist_pretrain_width2 ]]; then cat "$pretrained/meta.json"; fi
}

move_aside() {
  local aside
  aside=$1.replaced-$(date -u +%Y%m%dT%H%M%SZ)
  mv "$1" "$aside"
  echo "   $1 came from another spec or encoder; moved to $aside" >&2
}

# use_encoder DIR: installs DIR as the pretraining job's result, after
# checking it was trained from the same spec and that encoder.pt is the file
# its meta.json names.
use_encoder() {
  local from=$1 dir=runs/fashion_mnist_pretrain_width2
  if ! cmp -s "$from/spec.json" "$jobs/fashion_mnist_pretrain_width2.json"; then
    echo "$from/spec.json is missing or differs from $jobs/fashion_mnist_pretrain_width2.json" >&2
    exit 2
  fi
  local sha
  sha=$(sha256sum < "$from/encoder.pt" | cut -d' ' -f1)
  if ! grep -q "\"sha256\": \"$sha\"" "$from/meta.json"; then
    echo "$from/encoder.pt is not the file $from/meta.json names (SHA-256 $sha)" >&2
    exit 2
  fi
  if cmp -s "$from/meta.json" "$pretrained/meta.json"; then return; fi
  if [[ -e $dir ]]; then move_aside "$dir"; fi
  mkdir -p "$pretrained"
  cp "$from/encoder.pt" "$from/meta.json" "$pretrained/"
  inputs fashion_mnist_pretrain_width2 > "$dir/job_inputs"
  echo "== fashion_mnist_pretrain_width2: copied from $from" >&2
}

# job NAME DONE: run or continue examples/jobs/NAME.json in runs/NAME unless
# runs/NAME/DONE exists from the same inputs.
job() {
  local name=$1 done=$2 dir=runs/$1 spec=$jobs/$1.json start=$SECONDS
  if [[ -e $dir ]] && ! cmp -s <(inputs "$name") "$dir/job_inputs"; then
    move_aside "$dir"
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
if [[ -n $encoder_from ]]; then use_encoder "$encoder_from"; fi
job fashion_mnist_pretrain_width2 checkpoints/final
job fashion_mnist_linear_eval report.json
job fashion_mnist_tsne_random_init report.json
job fashion_mnist_tsne report.json
for pct in 5 20 100; do
  job fashion_mnist_finetune_${pct}pct report.json
done
"$worker" table runs/fashion_mnist_linear_eval/report.json \
    runs/fashion_mnist_finetune_{100,20,5}pct/report.json |
    tee runs/fashion_mnist_table.md
for name in fashion_mnist_tsne_random_init fashion_mnist_tsne; do
  grep -o '"trustworthiness_k10": [0-9.]*' "runs/$name/report.json" |
      sed "s/^/$name: /"
done
