#!/usr/bin/python3
"""The whole user path against a simclrd, from Python (grpcio + the stubs
protoc generates from proto/): upload Fashion-MNIST's test split, submit a
short SimCLR pretraining job on it, watch its loss live, download the
encoder, load it with torch.jit.load and embed images; then embed the same
images as PNG files through the EmbeddingService (unary by checkpoint id,
streamed by job id) and check the served vectors equal torch.jit.load's.

  train_through_simclrd.py --server HOST:PORT --stubs DIR --out DIR
                           [--epochs 2] [--max_examples 640]

--stubs is where `make` writes the generated Python stubs
(build/proto/python). Writes DIR/encoder.pt, DIR/meta.json and
DIR/features.npy (the first 24 test images through the encoder, with the
evaluation transform from meta.json). Exits 0 when the job succeeded, the
downloaded file's SHA-256 matched and the served vectors are within 1e-5.
"""
import argparse
import gzip
import hashlib
import json
import os
import sys

import grpc
import numpy as np

DATA = "/usr/share/datasets/fashion-mnist/"
CHUNK = 1 << 20
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Ankle boot"]


def upload(datasets, pb, data_pb):
    files = [("images", DATA + "t10k-images-idx3-ubyte.gz"),
             ("labels", DATA + "t10k-labels-idx1-ubyte.gz")]
    header = pb.UploadHeader(display_name="fashion-mnist test split",
                             format=data_pb.DATASET_FORMAT_IDX, class_names=CLASSES)
    blobs = []
    for name, path in files:
        with open(path, "rb") as f:
            blob = f.read()
        blobs.append(blob)
        header.files.add(name=name, size_bytes=len(blob),
                         sha256=hashlib.sha256(blob).hexdigest())

    def requests():
        yield pb.UploadDatasetRequest(header=header)
        for index, blob in enumerate(blobs):
            for offset in range(0, len(blob), CHUNK):
                yield pb.UploadDatasetRequest(chunk=pb.UploadChunk(
                    file_index=index, offset=offset,
                    data=blob[offset:offset + CHUNK]))

    return datasets.UploadDataset(requests(), timeout=120)


def download(checkpoints, pb, checkpoint_id, name, path):
    digest, size, expected = hashlib.sha256(), 0, None
    with open(path, "wb") as out:
        for chunk in checkpoints.DownloadCheckpoint(
                pb.DownloadCheckpointRequest(checkpoint_id=checkpoint_id,
                                             file=name), timeout=120):
            if chunk.sha256:
                expected, size = chunk.sha256, chunk.size_bytes
            out.write(chunk.data)
            digest.update(chunk.data)
    if digest.hexdigest() != expected or os.path.getsize(path) != size:
        raise RuntimeError("%s: SHA-256 mismatch" % name)
    return expected


def test_images(count):
    with gzip.open(DATA + "t10k-images-idx3-ubyte.gz", "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 28, 28)[:count]


def embed_through_service(channel, checkpoint_id, job_id, count=24):
    """The same images as PNG bytes, preprocessed by the server."""
    from simclr.v1 import embedding_pb2, embedding_pb2_grpc
    from fashion_mnist_pngs import grey_png  # beside this script
    service = embedding_pb2_grpc.EmbeddingServiceStub(channel)
    images = [embedding_pb2.ImageInput(encoded=grey_png(x)) for x in test_images(count)]
    unary = service.Embed(embedding_pb2.EmbedRequest(
        model=embedding_pb2.ModelRef(checkpoint_id=checkpoint_id), images=images),
        timeout=60)
    half = count // 2
    requests = [embedding_pb2.EmbedRequest(model=embedding_pb2.ModelRef(job_id=job_id),
                                           images=part, request_id=str(i))
                for i, part in enumerate((images[:half], images[half:]))]
    streamed = list(service.EmbedStream(iter(requests), timeout=60))
    vectors = lambda rs: np.array([e.values for r in rs for e in r.embeddings], np.float32)
    return unary, vectors([unary]), streamed, vectors(streamed)


def embed(out_dir, count=24):
    import torch
    with open(os.path.join(out_dir, "meta.json")) as f:
        spec = json.load(f)["encoder"]["input"]
    images = test_images(count)
    mean = np.array(spec["mean"], np.float32).reshape(1, -1, 1, 1)
    std = np.array(spec["std"], np.float32).reshape(1, -1, 1, 1)
    x = ((images[:, None].astype(np.float32) / 255.0) - mean) / std
    encoder = torch.jit.load(os.path.join(out_dir, "encoder.pt"))
    encoder.eval()
    with torch.no_grad():
        return encoder(torch.from_numpy(x.astype(np.float32))).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max_examples", type=int, default=640)
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    from google.protobuf import json_format
    from simclr.v1 import checkpoint_pb2, checkpoint_pb2_grpc
    from simclr.v1 import data_pb2, dataset_pb2, dataset_pb2_grpc
    from simclr.v1 import job_pb2, job_pb2_grpc, job_spec_pb2

    os.makedirs(args.out, exist_ok=True)
    channel = grpc.insecure_channel(args.server)
    dataset = upload(dataset_pb2_grpc.DatasetServiceStub(channel), dataset_pb2,
                     data_pb2)
    print("uploaded %s: %d images, %d classes" %
          (dataset.id, dataset.num_examples, dataset.num_classes))

    spec = json_format.Parse(json.dumps({
        "display_name": "python example", "seed": 1, "num_threads": 1,
        "pretrain": {
            "data": {"train": {"dataset_id": dataset.id},
                     "max_examples": str(args.max_examples), "val_fraction": 0.2},
            "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN",
                                    "width_multiplier": 0.5}},
            "batch_size": 64, "epochs": args.epochs,
            "monitor": {"log_every_steps": 2, "knn_every_epochs": 0}}}),
        job_spec_pb2.JobSpec())
    jobs = job_pb2_grpc.JobServiceStub(channel)
    job = jobs.SubmitJob(job_pb2.SubmitJobRequest(spec=spec), timeout=30)
    print("submitted", job.id)
    for event in jobs.WatchJob(job_pb2.WatchJobRequest(job_id=job.id)):
        kind = event.WhichOneof("event")
        if kind == "progress":
            print("  step %d/%d loss %.4f" % (event.progress.step,
                                              event.progress.total_steps,
                                              event.progress.loss))
        elif kind == "state_change":
            print("  %s: %s" % (job_pb2.JobState.Name(event.state_change.state),
                                event.state_change.reason))
    job = jobs.GetJob(job_pb2.GetJobRequest(job_id=job.id), timeout=30)
    if job.state != job_pb2.JOB_STATE_SUCCEEDED:
        print("job ended", job_pb2.JobState.Name(job.state), job.error)
        return 1

    checkpoints = checkpoint_pb2_grpc.CheckpointServiceStub(channel)
    listed = checkpoints.ListCheckpoints(
        checkpoint_pb2.ListCheckpointsRequest(job_id=job.id), timeout=30)
    newest = listed.checkpoints[0]
    for name in ("encoder.pt", "meta.json"):
        sha = download(checkpoints, checkpoint_pb2, newest.id, name,
                       os.path.join(args.out, name))
        print("downloaded %s of %s, SHA-256 %s verified" % (name, newest.id, sha))
    features = embed(args.out)
    np.save(os.path.join(args.out, "features.npy"), features)
    print("torch.jit.load: features", features.shape)
    print("checkpoint", newest.id, "step", newest.step)

    unary, served, streamed, served_stream = embed_through_service(
        channel, newest.id, job.id)
    print("EmbeddingService: %d vectors of %d from %s (unary), %d from %s (stream, "
          "request ids %s)" % (len(served), unary.feature_dim, unary.checkpoint_id,
                               len(served_stream), streamed[0].checkpoint_id,
                               ",".join(r.request_id for r in streamed)))
    worst = max(float(np.abs(served - features).max()),
                float(np.abs(served_stream - features).max()))
    print("EmbeddingService: max |served - torch.jit.load| = %.3g" % worst)
    if served.shape != features.shape or worst > 1e-5:
        print("served vectors differ from torch.jit.load's")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
