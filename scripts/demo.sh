#!/usr/bin/env bash
# Starts simclrd on localhost, checks it with simclrctl, uploads
# Fashion-MNIST, submits a short SimCLR pretraining job on the upload and
# prints its live progress, embeds 64 test images (as PNG files) with the
# trained encoder, then prints how to reach the server. Runs until Ctrl-C (or for DEMO_SECONDS
# seconds, if set), then stops the server with SIGTERM, as an operator would.
set -euo pipefail

BUILD_DIR=${1:-build}
PORT=${SIMCLR_PORT:-50051}
METRICS_PORT=${SIMCLR_METRICS_PORT:-9464}
DATA_DIR=${SIMCLR_DATA_DIR:-simclr-data}
READY_FILE=$(mktemp -u /tmp/simclrd-ready.XXXXXX)

# Specs may name Debian's datasets by path (--allow_local_paths); every
# other server path stays closed.
"$BUILD_DIR/server/simclrd" --port="$PORT" --metrics_port="$METRICS_PORT" \
  --data_dir="$DATA_DIR" --ready_file="$READY_FILE" --allow_local_paths=/usr/share/datasets &
SERVER_PID=$!
stop() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" && echo "simclrd stopped cleanly"
  fi
  rm -f "$READY_FILE"
}
trap stop EXIT INT TERM

for _ in $(seq 300); do
  [[ -f "$READY_FILE" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "simclrd failed to start" >&2; exit 1; }
  sleep 0.1
done
[[ -f "$READY_FILE" ]] || { echo "simclrd did not become ready" >&2; exit 1; }

CTL=("$BUILD_DIR/client/simclrctl" --server "127.0.0.1:$PORT")
echo
echo "simclrd health: $("${CTL[@]}" health)"
echo
FMNIST=/usr/share/datasets/fashion-mnist
echo "== simclrctl datasets upload (Fashion-MNIST training set)"
DATASET=$("${CTL[@]}" --json datasets upload --name "Fashion-MNIST train" \
  --images "$FMNIST/train-images-idx3-ubyte.gz" --labels "$FMNIST/train-labels-idx1-ubyte.gz" \
  --class_names "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot" |
  sed -n 's/.*"id":"\(ds-[0-9a-f]*\)".*/\1/p')
"${CTL[@]}" datasets get "$DATASET"
# The template names the dataset DATASET_ID; put the upload's id in.
SPEC=$(mktemp /tmp/simclr-demo-spec.XXXXXX.json)
sed "s/DATASET_ID/$DATASET/" examples/jobs/fashion_mnist_demo_pretrain_uploaded.json > "$SPEC"
echo
echo "== simclrctl jobs submit -f $SPEC --watch   (3 epochs on dataset $DATASET)"
"${CTL[@]}" jobs submit -f "$SPEC" --watch
rm -f "$SPEC"
echo
echo "== simclrctl jobs list"
"${CTL[@]}" jobs list
JOB=$("${CTL[@]}" --json jobs list | head -1 | sed -n 's/.*"id":"\(job-[0-9a-f]*\)".*/\1/p')
PNGS=$(mktemp -d /tmp/simclr-demo-pngs.XXXXXX)
/usr/bin/python3 examples/python/fashion_mnist_pngs.py "$PNGS" 64 > /dev/null
echo
echo "== simclrctl embed --model $JOB $PNGS/ -o $PNGS/vectors.csv   (64 test images as PNG files)"
"${CTL[@]}" embed --model "$JOB" "$PNGS/" -o "$PNGS/vectors.csv"
echo "first vector: $(sed -n 2p "$PNGS/vectors.csv" | cut -c1-110)…"
cat <<MSG

simclrd is running (pid $SERVER_PID), data in $DATA_DIR/
  gRPC:     127.0.0.1:$PORT   (simclr.v1 services, grpc.health.v1, reflection)
  metrics:  http://127.0.0.1:$METRICS_PORT/metrics

Try:
  ${CTL[*]} jobs submit -f examples/jobs/fashion_mnist_pretrain.json   (reads /usr/share/datasets, allowed by --allow_local_paths)
  ${CTL[*]} jobs watch JOB_ID        (history, then live; --json for machines)
  ${CTL[*]} jobs pause|resume|cancel JOB_ID
  curl -s http://127.0.0.1:$METRICS_PORT/metrics | grep grpc_server_handled_total

  ${CTL[*]} checkpoints list
  ${CTL[*]} checkpoints download CHECKPOINT_ID -o encoder.pt
      (then in /usr/bin/python3: torch.jit.load("encoder.pt"))
  ${CTL[*]} embed --model $JOB 'your/images/*.png' -o vectors.npy
  curl -s http://127.0.0.1:$METRICS_PORT/metrics | grep simclr_embed
Press Ctrl-C to stop.
MSG

if [[ -n "${DEMO_SECONDS:-}" ]]; then
  sleep "$DEMO_SECONDS"
else
  wait "$SERVER_PID"
fi
