#!/usr/bin/env bash
# The README's Fashion-MNIST table as one report job on a running simclrd (a
# thin client of `simclrctl report`): uploads the training and test splits
# (once; found again by name), submits examples/jobs/fashion_mnist_report.json
# (SimCLR pretraining of the small CNN at width 2, linear evaluation against a
# random-init encoder and raw pixels at 100/20/5 % of the labels × 10,
# fine-tuning × 5, t-SNE before and after: hours on 2 cores), follows every
# step, and downloads the report (report.md, report.html, report.json and the
# pictures) into runs/REPORT_ID/.
#
# Stopped (Ctrl-C)? Run it again: the same spec and data give the same request
# id, so the server returns the same report; a paused one is resumed, and its
# finished steps are kept.
#
#   SERVER=127.0.0.1:50051 examples/fashion_mnist_table.sh          (repository root)
#   examples/fashion_mnist_table.sh --slice    6,000 training images, minutes
#   examples/fashion_mnist_table.sh --encoder DIR    no pretraining: judge DIR/encoder.pt
#       (uploaded as a model), e.g. examples/encoders/fashion_mnist_small_cnn_w2,
#       the encoder the README's table was measured on
#   SPEC=FILE another report spec (TRAIN_DATASET_ID, TEST_DATASET_ID filled in)
#   SIMCLRCTL=build/client/simclrctl, OUT=runs, TOKEN=… (a server with tokens)
set -euo pipefail
cd "$(dirname "$0")/.."
ctl=("${SIMCLRCTL:-build/client/simclrctl}" --server "${SERVER:-127.0.0.1:50051}")
if [[ -n ${TOKEN:-} ]]; then ctl+=(--token "$TOKEN"); fi
spec=${SPEC:-examples/jobs/fashion_mnist_report.json}
encoder=
if [[ ${1:-} == --slice ]]; then
  spec=examples/jobs/fashion_mnist_report_slice.json
elif [[ ${1:-} == --encoder ]]; then
  encoder=${2:?--encoder needs a folder with encoder.pt}
  spec=examples/jobs/fashion_mnist_report_encoder.json
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--slice | --encoder DIR]" >&2
  exit 2
fi
out=${OUT:-runs}
F=/usr/share/datasets/fashion-mnist
classes="T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"

# field KEY: KEY of the JSON object on stdin (nothing, and failure, when the
# command before it printed none: its error is on stderr already).
field() {
  /usr/bin/python3 -c '
import json, sys
text = sys.stdin.read().strip()
sys.exit(1) if not text else print(json.loads(text.splitlines()[-1])[sys.argv[1]])' "$1"
}

# named KIND NAME: the id of the dataset or model called NAME, if any.
named() {
  "${ctl[@]}" --json "$1" list | /usr/bin/python3 -c '
import json, sys
ids = [d["id"] for d in map(json.loads, sys.stdin) if d.get("display_name") == sys.argv[1]]
print(ids[0] if ids else "")' "$2"
}

# dataset NAME SPLIT: the id of the dataset called NAME, uploaded first if none is.
dataset() {
  local id
  id=$(named datasets "$1")
  if [[ -z $id ]]; then
    echo "== uploading $1" >&2
    id=$("${ctl[@]}" --json datasets upload --name "$1" --class_names "$classes" \
        --images "$F/$2-images-idx3-ubyte.gz" --labels "$F/$2-labels-idx1-ubyte.gz" | field id)
  fi
  echo "$id"
}

train=$(dataset "fashion-mnist train" train)
test=$(dataset "fashion-mnist test" t10k)
model=
if [[ -n $encoder ]]; then
  name="encoder $(sha256sum < "$encoder/encoder.pt" | cut -c1-16)"
  model=$(named models "$name")
  if [[ -z $model ]]; then
    echo "== uploading $encoder/encoder.pt" >&2
    model=$("${ctl[@]}" --json models upload --name "$name" "$encoder/encoder.pt" | field id)
  fi
fi
mkdir -p "$out"
filled=$(mktemp)
trap 'rm -f "$filled"' EXIT
sed -e "s/TRAIN_DATASET_ID/$train/" -e "s/TEST_DATASET_ID/$test/" -e "s/MODEL_ID/$model/" \
    "$spec" > "$filled"
request=table-$(sha256sum < "$filled" | cut -c1-24)

report=$("${ctl[@]}" --json report submit --spec "$filled" --request_id "$request" | field id)
state=$("${ctl[@]}" --json jobs get "$report" | field state)
echo "== report $report ($state), request id $request" >&2
case $state in
  JOB_STATE_PAUSED) "${ctl[@]}" jobs resume "$report" > /dev/null ;;
  JOB_STATE_FAILED | JOB_STATE_CANCELLED)
    echo "report $report ended $state; simclrctl jobs get $report says why;" \
         "delete it (simclrctl jobs rm $report) to run it again" >&2
    exit 1 ;;
esac
"${ctl[@]}" report submit --spec "$filled" --request_id "$request" --watch > "$out/$report.events.txt"
"${ctl[@]}" artifacts download "$report" -o "$out/$report" > /dev/null
echo "== $out/$report/report.md, report.html and artifacts/" >&2
sed -n '/^| labels/,/^Top-1/p' "$out/$report/report.md"
