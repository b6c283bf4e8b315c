#!/usr/bin/env bash
# Starts simclrd on localhost, checks it with simclrctl, and prints how to
# reach it. Runs until Ctrl-C (or for DEMO_SECONDS seconds, if set), then
# stops the server with SIGTERM, as an operator would.
set -euo pipefail

BUILD_DIR=${1:-build}
PORT=${SIMCLR_PORT:-50051}
METRICS_PORT=${SIMCLR_METRICS_PORT:-9464}
DATA_DIR=${SIMCLR_DATA_DIR:-simclr-data}
READY_FILE=$(mktemp -u /tmp/simclrd-ready.XXXXXX)

"$BUILD_DIR/server/simclrd" --port="$PORT" --metrics_port="$METRICS_PORT" \
  --data_dir="$DATA_DIR" --ready_file="$READY_FILE" &
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

echo
echo "simclrd health: $("$BUILD_DIR/client/simclrctl" --server "127.0.0.1:$PORT" health)"
cat <<MSG

simclrd is running (pid $SERVER_PID), data in $DATA_DIR/
  gRPC:     127.0.0.1:$PORT   (simclr.v1 services, grpc.health.v1, reflection)
  metrics:  http://127.0.0.1:$METRICS_PORT/metrics

Try:
  $BUILD_DIR/client/simclrctl --server 127.0.0.1:$PORT health
  curl -s http://127.0.0.1:$METRICS_PORT/metrics | grep grpc_server_handled_total
  $BUILD_DIR/core/simclr-worker validate --spec examples/jobs/fashion_mnist_pretrain.json
  $BUILD_DIR/core/simclr-worker run --spec examples/jobs/fashion_mnist_pretrain.json --job_dir runs/fashion_mnist_pretrain

The worker trains on its own today (about 12 minutes for that job here); the
server's dataset, job, checkpoint and embedding RPCs answer UNIMPLEMENTED
until their issues land.
Press Ctrl-C to stop.
MSG

if [[ -n "${DEMO_SECONDS:-}" ]]; then
  sleep "$DEMO_SECONDS"
else
  wait "$SERVER_PID"
fi
