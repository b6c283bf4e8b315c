#!/usr/bin/env bash
# `make bench`: every benchmark in one go, each bounded by a timeout, into
# bench/results/<date>-<commit>.md, with a summary on stdout at the end.
# Run from the repository root after a build (BUILD_DIR, default build).
# Nothing else should run meanwhile: the figures are throughputs on this
# machine's cores.
set -uo pipefail
BUILD_DIR=${1:-build}
B="$BUILD_DIR/bench"
commit=$(git rev-parse --short HEAD)
dirty=$(git diff --quiet HEAD -- . 2>/dev/null || echo "+uncommitted")
mkdir -p bench/results
out="bench/results/$(date -u +%Y-%m-%d)-$commit$dirty.md"
summary=()

{
  echo "# make bench, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty"
  echo
  echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB;" \
       "LibTorch $(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null), BLAS $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 | xargs -r dirname | xargs -r basename)."
  echo
} > "$out"

# section TITLE SECONDS COMMAND...: runs it with a timeout, output into the
# report; returns its exit status.
section() {
  local title=$1 limit=$2
  shift 2
  local start=$SECONDS
  echo "== $title" >&2
  {
    echo "## $title"
    echo
    echo '```'
    echo "\$ $*"
  } >> "$out"
  local log
  log=$(mktemp)
  timeout "$limit" "$@" > "$log" 2>&1
  local status=$?
  cat "$log" >> "$out"
  {
    echo '```'
    echo
    echo "($((SECONDS - start)) s, exit $status)"
    echo
  } >> "$out"
  cat "$log"
  rm -f "$log"
  return $status
}

section "Pretraining throughput: simclr-worker vs Python reference" 1500 \
  /usr/bin/python3 bench/pretrain_vs_reference.py --worker "$BUILD_DIR/core/simclr-worker" \
  --loader_bench "$B/bench_loader_vs_step" --peak_bench "$B/bench_compute_peak" --rounds 3 \
  > /tmp/bench_pretrain.txt
summary+=("$(sed -n '/^summary:/,/^$/p' /tmp/bench_pretrain.txt | tail -n +2 | sed 's/^  /pretrain: /')")

section "Augmentation per image: ours vs torchvision" 300 \
  "$B/bench_augment_vs_torchvision" --images 20000 > /tmp/bench_augment.txt
summary+=("$(grep '^| [0-9]' /tmp/bench_augment.txt | awk -F'|' '{printf "augment %s: ours %s us, torchvision %s us, %s\n", $2, $3, $4, $5}')")

section "Embedding service vs direct forwards" 600 \
  "$B/bench_embedding_throughput" --seconds 3 > /tmp/bench_embed.txt
summary+=("$(awk '/^[A-Za-z].*: direct batch-64 forward/ {m = substr($0, 1, index($0, ":") - 1)}
  /^unary +64 / {printf "embed %s, 64 unary clients: %s img/s, %s x direct batch-64, p99 %s ms = %s x its forward\n", m, $3, $4, $7, $8}' /tmp/bench_embed.txt)")

section "Dataset upload" 300 "$B/bench_dataset_upload" --mb 256 > /tmp/bench_upload.txt
summary+=("$(grep '^upload:' /tmp/bench_upload.txt | awk '{printf "upload: %s MiB/s; ", $(NF-1)}')$(grep '^server RSS' /tmp/bench_upload.txt | sed 's/.*: growth/RSS growth/')")

section "Archive upload memory" 300 env SIMCLR_SOURCE_DIR=. "$B/bench_archive_memory" \
  > /tmp/bench_archive.txt
summary+=("$(grep -E '^(one|1 GiB)' /tmp/bench_archive.txt | awk '{printf "archive RSS: %s; ", $0}')")

section "Soak (short)" 600 "$B/bench_soak" --seconds 120 --jobs 100 --csv /tmp/bench_soak.csv \
  > /tmp/bench_soak.txt
summary+=("$(grep -E '^(soak|drain):' /tmp/bench_soak.txt | tr '\n' ' ')")

section "Many ended jobs: 10 against 10000" 300 "$B/bench_many_jobs" --jobs 10000 \
  > /tmp/bench_many_jobs.txt
summary+=("many jobs: $(grep -E '^(start to ready|GetJob p50|RSS after)' /tmp/bench_many_jobs.txt | awk '{print $1, $2, $NF}' | tr '\n' ' ')")

section "Checkpoint download" 300 "$B/bench_checkpoint_download" --mb 256 --rounds 2 \
  > /tmp/bench_download.txt
summary+=("$(grep '^download' /tmp/bench_download.txt | awk '{printf "%s %s %s: %s MiB/s; ", $1, $2, $3, $(NF-1)}')")

# The results table's encoder, committed with the repository.
checkpoint=(--checkpoint examples/encoders/fashion_mnist_small_cnn_w2)
section "Linear evaluation vs sklearn" 900 "$B/bench_linear_probe_vs_sklearn" "${checkpoint[@]}" \
  > /tmp/bench_linear.txt
summary+=("$(grep '^linear probe on' /tmp/bench_linear.txt | sed 's/, 10 C values.*//'): $(grep '^speed-up' /tmp/bench_linear.txt)")

section "BLIS kernels: BLIS's own choice vs ChooseBlisKernels()" 600 \
  "$B/bench_blis_kernels" --train 20000 > /tmp/bench_blis.txt
summary+=("blis: $(grep -E "^(BLIS's|Choose)" /tmp/bench_blis.txt | sed -E 's/ +[0-9.]+ +[0-9.]+ +[0-9.]+$//' | tr '\n' ' ' | sed 's/ $//'): $(grep '^speed-up' /tmp/bench_blis.txt)")

section "Data-parallel pretraining: 1 rank x all cores vs 2 ranks" 1200 \
  /usr/bin/python3 bench/data_parallel.py --worker "$BUILD_DIR/core/simclr-worker" --rounds 3 \
  > /tmp/bench_data_parallel.txt
summary+=("$(sed -n '/^summary:/,/^$/p' /tmp/bench_data_parallel.txt | tail -n +2 | sed 's/^  /data parallel: /')")

{
  echo "## Summary"
  echo
  printf '%s\n' "${summary[@]}" | sed '/^$/d; s/^/- /'
} >> "$out"
echo
echo "summary ($out):"
printf '%s\n' "${summary[@]}" | sed '/^$/d; s/^/  /'
