#!/usr/bin/env bash
# A real run for the dashboard picture: simclrd and Debian's Prometheus on
# loopback (scraping every 2 s, deploy/prometheus/rules.yml loaded), a
# Fashion-MNIST upload, two pretraining jobs (the second queues behind the
# first), embedding requests by job id all along, then the dashboard
# rendered from Prometheus to docs/images/dashboard.png.
#   examples/monitoring_demo.sh [BUILD_DIR]      (from the repository root)
set -euo pipefail
BUILD_DIR=${1:-build}
OUT=${OUT:-docs/images/dashboard.png}
work=$(mktemp -d /tmp/simclr-monitoring.XXXXXX)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
prom_port=$(free_port)

"$BUILD_DIR/server/simclrd" --port=0 --metrics_port=0 --data_dir="$work/data" \
  --ready_file="$work/ready.json" 2> "$work/simclrd.log" &
server=$!
trap 'kill $server $prom 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do [[ -f $work/ready.json ]] && break; sleep 0.1; done
read -r grpc metrics < <(/usr/bin/python3 -c "import json; d=json.load(open('$work/ready.json')); print(d['grpc_port'], d['metrics_port'])")
cat > "$work/prometheus.yml" <<YAML
global: {scrape_interval: 2s, evaluation_interval: 2s}
rule_files: [$PWD/deploy/prometheus/rules.yml]
scrape_configs:
  - job_name: simclrd
    static_configs: [{targets: ['127.0.0.1:$metrics']}]
YAML
/usr/bin/prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
prom=$!
start=$(date +%s)
CTL=("$BUILD_DIR/client/simclrctl" --server "127.0.0.1:$grpc")
sleep 10
F=/usr/share/datasets/fashion-mnist
dataset=$("${CTL[@]}" --json datasets upload --name "Fashion-MNIST train" \
  --images "$F/train-images-idx3-ubyte.gz" --labels "$F/train-labels-idx1-ubyte.gz" |
  sed -n 's/.*"id":"\(ds-[0-9a-f]*\)".*/\1/p')
sed "s/DATASET_ID/$dataset/" examples/jobs/fashion_mnist_demo_pretrain_uploaded.json > "$work/spec.json"
job1=$("${CTL[@]}" --json jobs submit -f "$work/spec.json" | sed -n 's/.*"id":"\(job-[0-9a-f]*\)".*/\1/p')
job2=$("${CTL[@]}" --json jobs submit -f "$work/spec.json" | sed -n 's/.*"id":"\(job-[0-9a-f]*\)".*/\1/p')
/usr/bin/python3 examples/python/fashion_mnist_pngs.py "$work/pngs" 256 > /dev/null
embed_until_done() {  # embed by job id every second while $1 runs
  while ! "${CTL[@]}" jobs get "$1" | grep -qE 'SUCCEEDED|FAILED|CANCELLED'; do
    "${CTL[@]}" embed --model "$1" "$work/pngs" -o "$work/v.npy" 2> /dev/null || true
    sleep 1
  done
}
embed_until_done "$job1"
embed_until_done "$job2"
for _ in $(seq 20); do "${CTL[@]}" embed --model "$job2" "$work/pngs" -o "$work/v.npy" 2> /dev/null; sleep 0.5; done
sleep 6
end=$(date +%s)
mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 deploy/grafana/render_dashboard.py --prometheus "http://127.0.0.1:$prom_port" \
  --dashboard deploy/grafana/dashboards/simclrd.json --start "$start" --end "$end" --out "$OUT" \
  --title "simclrd dashboard, $(date -u '+%Y-%m-%d %H:%M UTC'): upload, 2 pretraining jobs, embeddings ($((end - start)) s, rendered from Prometheus)"
