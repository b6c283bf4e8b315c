#!/usr/bin/env bash
# Reproduces the README's Fashion-MNIST results with one command: SimCLR
# pretraining (skipped when runs/fashion_mnist_pretrain has finished), the
# linear and fine-tuned evaluations at 100/20/5 % of the labels against the
# random-init and raw-pixel baselines, and t-SNE maps before and after.
# Writes runs/fashion_mnist_table.md and the two t-SNE PNGs under runs/.
#
#   examples/fashion_mnist_table.sh        (from the repository root)
#   THREADS=2 by default: LibTorch intra-op threads.
set -euo pipefail
cd "$(dirname "$0")/.."
worker=${WORKER:-build/core/simclr-worker}
threads=${THREADS:-2}
jobs=examples/jobs
mkdir -p runs

run() {  # run NAME: one job, events as JSON lines in runs/NAME.events.jsonl
  local name=$1 start=$SECONDS
  echo "== $name" >&2
  "$worker" --num_threads "$threads" run --spec "$jobs/$name.json" \
      --job_dir "runs/$name" --events text > "runs/$name.events.jsonl"
  echo "   $name: $((SECONDS - start)) s" >&2
}

[[ -x $worker ]] || make build
if [[ ! -e runs/fashion_mnist_pretrain/checkpoints/final ]]; then
  run fashion_mnist_pretrain
fi
run fashion_mnist_linear_eval
run fashion_mnist_finetune
run fashion_mnist_tsne_random_init
run fashion_mnist_tsne
"$worker" table runs/fashion_mnist_linear_eval/report.json \
    runs/fashion_mnist_finetune/report.json | tee runs/fashion_mnist_table.md
for name in fashion_mnist_tsne_random_init fashion_mnist_tsne; do
  grep -o '"trustworthiness_k10": [0-9.]*' "runs/$name/report.json" |
      sed "s/^/$name: /"
done
