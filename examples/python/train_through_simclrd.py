#!/usr/bin/python3
"""The whole user path against a simclrd from Python, with the simclr SDK
(pip install ./client/python): upload Fashion-MNIST's test split, submit a
short SimCLR pretraining job on it, watch its loss live, download the
encoder, load it with torch.jit.load and embed images; embed the same
images as PNGs through the EmbeddingService, and the whole dataset as an
embed job, and check every served vector equals torch.jit.load's.

  train_through_simclrd.py --server HOST:PORT --out DIR [--epochs 2]
                           [--max_examples 640] [--token TOKEN]

Writes DIR/encoder.pt, DIR/meta.json and DIR/features.npy (the first 24
test images through the encoder, with the evaluation transform from
meta.json). Exits 0 when the job succeeded, the downloads' SHA-256 matched
and the served vectors are within 1e-5.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np

import simclr

DATA = "/usr/share/datasets/fashion-mnist/"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Ankle boot"]


def test_images(count):
    with gzip.open(DATA + "t10k-images-idx3-ubyte.gz", "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 28, 28)[:count]


def embed_locally(out_dir, count=24):
    import torch
    with open(os.path.join(out_dir, "meta.json")) as f:
        spec = json.load(f)["encoder"]["input"]
    mean = np.array(spec["mean"], np.float32).reshape(1, -1, 1, 1)
    std = np.array(spec["std"], np.float32).reshape(1, -1, 1, 1)
    x = ((test_images(count)[:, None].astype(np.float32) / 255.0) - mean) / std
    encoder = torch.jit.load(os.path.join(out_dir, "encoder.pt"))
    encoder.eval()
    with torch.no_grad():
        return encoder(torch.from_numpy(x.astype(np.float32))).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--token", default=None)
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max_examples", type=int, default=640)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    client = simclr.Client(args.server, token=args.token)

    dataset = client.upload_dataset(DATA + "t10k-images-idx3-ubyte.gz",
                                    labels=DATA + "t10k-labels-idx1-ubyte.gz",
                                    name="fashion-mnist test split", class_names=CLASSES)
    print("uploaded %s: %d images, %d classes" %
          (dataset.id, dataset.num_examples, dataset.num_classes))
    job = client.submit({
        "display_name": "python example", "seed": 1, "num_threads": 1,
        "pretrain": {
            "data": {"train": {"dataset_id": dataset.id},
                     "max_examples": str(args.max_examples), "val_fraction": 0.2},
            "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
            "batch_size": 64, "epochs": args.epochs,
            "monitor": {"log_every_steps": 2, "knn_every_epochs": 0}}})
    print("submitted", job.id)
    for event in client.watch(job.id, progress=False):
        kind = event.WhichOneof("event")
        if kind == "progress":
            print("  step %d/%d loss %.4f" % (event.progress.step, event.progress.total_steps,
                                              event.progress.loss))
        elif kind == "state_change":
            print("  %s: %s" % (simclr.JobState.Name(event.state_change.state),
                                event.state_change.reason))
    job = client.get(job.id)
    if job.state != simclr.JobState.Value("JOB_STATE_SUCCEEDED"):
        print("job ended", simclr.JobState.Name(job.state), job.error)
        return 1

    checkpoint = job.latest_checkpoint_id
    for name, sha in client.download_checkpoint(checkpoint, args.out).items():
        print("downloaded %s of %s, SHA-256 %s verified" % (name, checkpoint, sha))
    features = embed_locally(args.out)
    np.save(os.path.join(args.out, "features.npy"), features)
    print("torch.jit.load: features", features.shape)
    print("checkpoint", checkpoint, "step", checkpoint.rsplit("-", 1)[1])

    from fashion_mnist_pngs import grey_png  # beside this script
    served = client.embed_images(checkpoint, [grey_png(x) for x in test_images(24)])
    print("EmbeddingService: %d vectors of %d" % served.shape)
    whole, labels, indices = client.embed(dataset.id, checkpoint, progress=False)
    print("embed job: features %s, labels %s, indices %s" % (whole.shape, labels.shape,
                                                            indices.shape))
    worst = max(float(np.abs(served - features).max()),
                float(np.abs(whole[:24] - features).max()))
    print("max |served - torch.jit.load| = %.3g" % worst)
    if served.shape != features.shape or whole.shape[0] != dataset.num_examples or worst > 1e-5:
        print("served vectors differ from torch.jit.load's")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
