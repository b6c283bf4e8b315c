#!/usr/bin/env bash
# Checks the Dockerfile's runtime stage without a Docker engine: a Debian 12
# minbase root (debootstrap) gets exactly the stage's RUN command, the three
# binaries from BUILD_DIR, and simclrd is started in it as the image's user:
# health, a short pretraining job and embeddings of 16 PNGs, all through
# simclrctl from inside the root, then a clean SIGTERM stop.
#   sudo deploy/docker/check_runtime_stage.sh [BUILD_DIR]
# Needs root, `apt-get install debootstrap` and network to deb.debian.org.
set -euo pipefail
BUILD_DIR=$(realpath "${1:-build}")
DOCKERFILE=deploy/docker/Dockerfile
base=${ROOTFS:-/tmp/simclr-rootfs}  # debootstrapped once, copied fresh per run
[[ -x $base/bin/sh ]] || debootstrap --variant=minbase bookworm "$base" http://deb.debian.org/debian
root=$(mktemp -d /tmp/simclr-image.XXXXXX)
cp -a "$base/." "$root/"
# The runtime stage's RUN command, joined from its continuation lines.
run=$(awk '/^FROM debian:12-slim/{stage=1} stage && /^RUN /{cmd=1} cmd{sub(/^RUN /,""); line=$0; sub(/\\$/,"",line); printf "%s ", line; if ($0 !~ /\\$/) exit}' "$DOCKERFILE")
echo "== RUN $run"
mount --bind /proc "$root/proc"
trap 'umount "$root/proc"; rm -rf "$root"' EXIT
chroot "$root" /bin/sh -c "$run"
install -m 755 "$BUILD_DIR/server/simclrd" "$BUILD_DIR/core/simclr-worker" \
  "$BUILD_DIR/client/simclrctl" "$root/usr/local/bin/"
echo "== libraries the binaries cannot find in the image:"
if chroot "$root" /bin/sh -c 'ldd /usr/local/bin/simclrd /usr/local/bin/simclr-worker /usr/local/bin/simclrctl' | grep "not found"; then
  exit 1
fi
echo "   none"
# A tiny job's data, and a spec naming it, inside the root.
install -o 10001 -g 10001 -m 644 /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \
  "$root/var/lib/simclr/images.gz"
cat > "$root/var/lib/simclr/spec.json" <<'JSON'
{"seed": 1, "pretrain": {
  "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX", "path": "/var/lib/simclr/images.gz"}},
           "max_examples": 640, "val_fraction": 0.2},
  "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
  "batch_size": 64, "epochs": 1, "monitor": {"log_every_steps": 4, "knn_every_epochs": 0}}}
JSON
/usr/bin/python3 examples/python/fashion_mnist_pngs.py "$root/var/lib/simclr/pngs" 16 > /dev/null
chown -R 10001:10001 "$root/var/lib/simclr"
chroot --userspec=10001:10001 "$root" /bin/sh -c '
  set -e
  cd /var/lib/simclr
  /usr/local/bin/simclrd --port=50999 --metrics_port=0 --data_dir=/var/lib/simclr/data \
    --worker_path=/usr/local/bin/simclr-worker --ready_file=/var/lib/simclr/ready 2> simclrd.log &
  for i in $(seq 100); do [ -f ready ] && break; sleep 0.2; done
  ctl="/usr/local/bin/simclrctl --server 127.0.0.1:50999"
  $ctl health
  $ctl jobs submit -f spec.json --watch | tail -2
  job=$($ctl --json jobs list | head -1 | sed -n "s/.*\"id\":\"\(job-[0-9a-f]*\)\".*/\1/p")
  $ctl embed --model "$job" /var/lib/simclr/pngs -o /var/lib/simclr/vectors.csv
  kill -TERM $! && wait $! && echo "simclrd stopped cleanly (exit 0) as uid $(id -u)"'
