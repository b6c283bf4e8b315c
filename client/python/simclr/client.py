"""simclr.Client: datasets, jobs, checkpoints, artifacts, embeddings and
reports of one simclrd, over gRPC. Calls raise grpc.RpcError as the server
answers (INVALID_ARGUMENT naming the field, NOT_FOUND, ...)."""
import hashlib
import json
import os
import sys
import tempfile

import grpc
import numpy as np
from google.protobuf import json_format

from simclr.v1 import checkpoint_pb2, checkpoint_pb2_grpc
from simclr.v1 import data_pb2, dataset_pb2, dataset_pb2_grpc
from simclr.v1 import embedding_pb2, embedding_pb2_grpc
from simclr.v1 import job_pb2, job_pb2_grpc, job_spec_pb2

_CHUNK = 1 << 20


class JobFailed(RuntimeError):
    """A job ended FAILED or CANCELLED; .job is its last state."""

    def __init__(self, job):
        super().__init__("%s %s: %s" % (job.id, job_pb2.JobState.Name(job.state), job.error))
        self.job = job


class _Progress:
    """One self-rewriting line on a terminal: step/total, loss, rate, ETA."""

    def __init__(self, stream):
        self.stream, self.shown = stream, False

    def __call__(self, event):
        kind = event.WhichOneof("event")
        if kind == "progress" and event.progress.total_steps > 0:
            p = event.progress
            done = p.step / p.total_steps
            bar = "#" * int(30 * done) + "." * (30 - int(30 * done))
            self.stream.write("\r[%s] %d/%d loss %.4f %.0f/s eta %ds " % (
                bar, p.step, p.total_steps, p.loss, p.samples_per_second, p.eta.seconds))
            self.shown = True
        elif kind == "state_change":
            self.end()
            self.stream.write("%s: %s\n" % (job_pb2.JobState.Name(event.state_change.state),
                                            event.state_change.reason))
        self.stream.flush()

    def end(self):
        if self.shown:
            self.stream.write("\n")
            self.shown = False


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class Client:
    """A connection to one simclrd.

    target: "host:port". token: the bearer token of --auth_tokens_file.
    root_certificates: PEM bytes of the CA for a TLS server (None: plain).
    timeout: seconds per unary call (streams that follow a job have none).
    """

    def __init__(self, target="127.0.0.1:50051", token=None, root_certificates=None,
                 timeout=60):
        if root_certificates is not None:
            credentials = grpc.ssl_channel_credentials(root_certificates)
            if token:
                credentials = grpc.composite_channel_credentials(
                    credentials, grpc.access_token_call_credentials(token))
            self.channel = grpc.secure_channel(target, credentials)
            self._metadata = ()
        else:
            self.channel = grpc.insecure_channel(target)
            self._metadata = (("authorization", "Bearer " + token),) if token else ()
        self.timeout = timeout
        self.datasets = dataset_pb2_grpc.DatasetServiceStub(self.channel)
        self.jobs = job_pb2_grpc.JobServiceStub(self.channel)
        self.checkpoints = checkpoint_pb2_grpc.CheckpointServiceStub(self.channel)
        self.embedding = embedding_pb2_grpc.EmbeddingServiceStub(self.channel)

    def close(self):
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # Datasets ------------------------------------------------------------

    def upload_dataset(self, path, labels=None, name=None, class_names=(),
                       max_corrupt_fraction=0.0):
        """Uploads an IDX image file (with its IDX `labels`), or a .tar/.zip/.tar.gz
        of class_name/*.png|jpg folders; returns the Dataset once validated."""
        archive = path.endswith((".tar", ".zip", ".tar.gz", ".tgz"))
        header = dataset_pb2.UploadHeader(
            display_name=name or os.path.basename(path),
            format=data_pb2.DATASET_FORMAT_IMAGE_FOLDER if archive else data_pb2.DATASET_FORMAT_IDX,
            class_names=list(class_names), max_corrupt_fraction=max_corrupt_fraction)
        paths = [("archive" if archive else "images", path)]
        if labels:
            paths.append(("labels", labels))
        for role, p in paths:
            header.files.add(name=os.path.basename(p) if archive else role,
                             size_bytes=os.path.getsize(p), sha256=_sha256(p))

        def requests():
            yield dataset_pb2.UploadDatasetRequest(header=header)
            for index, (_, p) in enumerate(paths):
                with open(p, "rb") as f:
                    offset = 0
                    for block in iter(lambda: f.read(_CHUNK), b""):
                        yield dataset_pb2.UploadDatasetRequest(chunk=dataset_pb2.UploadChunk(
                            file_index=index, offset=offset, data=block))
                        offset += len(block)

        return self.datasets.UploadDataset(requests(), timeout=max(self.timeout, 600),
                                           metadata=self._metadata)

    # Jobs ----------------------------------------------------------------

    def submit(self, spec, request_id="", validate_only=False):
        """Submits a JobSpec: a dict (protobuf JSON mapping), a path to a JSON
        file, or a simclr.v1.job_spec_pb2.JobSpec. Returns the queued Job."""
        if isinstance(spec, (str, os.PathLike)):
            with open(spec) as f:
                spec = json.load(f)
        if isinstance(spec, dict):
            spec = json_format.ParseDict(spec, job_spec_pb2.JobSpec())
        return self.jobs.SubmitJob(job_pb2.SubmitJobRequest(
            spec=spec, request_id=request_id, validate_only=validate_only),
            timeout=self.timeout, metadata=self._metadata)

    def get(self, job_id):
        return self.jobs.GetJob(job_pb2.GetJobRequest(job_id=job_id), timeout=self.timeout,
                                metadata=self._metadata)

    def cancel(self, job_id):
        return self.jobs.CancelJob(job_pb2.CancelJobRequest(job_id=job_id),
                                   timeout=self.timeout, metadata=self._metadata)

    def watch(self, job_id, after_seq=0, progress=None):
        """Yields the job's JobEvents (its history, then live) until it ends.
        progress: True draws a progress line on stderr, None does so only
        when stderr is a terminal."""
        show = sys.stderr.isatty() if progress is None else progress
        bar = _Progress(sys.stderr) if show else None
        try:
            for event in self.jobs.WatchJob(job_pb2.WatchJobRequest(
                    job_id=job_id, after_seq=after_seq), metadata=self._metadata):
                if bar:
                    bar(event)
                yield event
        finally:
            if bar:
                bar.end()

    def wait(self, job_id, progress=None):
        """Follows the job to its end; returns it, or raises JobFailed."""
        for _ in self.watch(job_id, progress=progress):
            pass
        job = self.get(job_id)
        if job.state != job_pb2.JOB_STATE_SUCCEEDED:
            raise JobFailed(job)
        return job

    # Files ---------------------------------------------------------------

    def _download(self, responses, path):
        digest, expected, size = hashlib.sha256(), None, None
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path + ".part", "wb") as out:
            for chunk in responses:
                if chunk.sha256:
                    expected, size = chunk.sha256, chunk.size_bytes
                out.write(chunk.data)
                digest.update(chunk.data)
        if digest.hexdigest() != expected or os.path.getsize(path + ".part") != size:
            os.remove(path + ".part")
            raise IOError("%s: SHA-256 or size mismatch" % path)
        os.replace(path + ".part", path)
        return expected

    def download_checkpoint(self, checkpoint_id, out_dir, files=("encoder.pt", "meta.json")):
        """Downloads a checkpoint's files (SHA-256 checked) into out_dir; returns
        {file: sha256}."""
        return {name: self._download(self.checkpoints.DownloadCheckpoint(
            checkpoint_pb2.DownloadCheckpointRequest(checkpoint_id=checkpoint_id, file=name),
            metadata=self._metadata), os.path.join(out_dir, name)) for name in files}

    def artifacts(self, job_id):
        """The job's files: ArtifactFile (name, kind, size_bytes, sha256, media_type)."""
        return list(self.jobs.ListArtifacts(job_pb2.ListArtifactsRequest(job_id=job_id),
                                            timeout=self.timeout,
                                            metadata=self._metadata).artifacts)

    def download_artifact(self, job_id, name, path):
        """One artifact to `path`, SHA-256 checked; returns the SHA-256."""
        return self._download(self.jobs.DownloadArtifact(job_pb2.DownloadArtifactRequest(
            job_id=job_id, name=name), metadata=self._metadata), path)

    def download_artifacts(self, job_id, out_dir):
        """Every artifact, keeping its relative name; returns the paths."""
        paths = []
        for artifact in self.artifacts(job_id):
            paths.append(os.path.join(out_dir, artifact.name))
            self.download_artifact(job_id, artifact.name, paths[-1])
        return paths

    # Embeddings and reports ---------------------------------------------------

    def embed(self, dataset_id, model, batch_size=256, input=None, progress=None):
        """Every image of an uploaded dataset through `model` (a checkpoint id, or
        a pretraining job id for its final checkpoint), as an EMBED job.
        Returns (features float32 N×D, labels int64 N, indices int64 N)."""
        subject = {"job_id": model} if model.startswith("job-") else {"checkpoint_id": model}
        embed = {"data": {"train": {"dataset_id": dataset_id}}, "subject": subject,
                 "batch_size": batch_size}
        if input is not None:
            embed["input"] = input
        job = self.wait(self.submit({"embed": embed}).id, progress=progress)
        with tempfile.TemporaryDirectory(prefix="simclr-embed-") as tmp:
            arrays = []
            for name in ("features", "labels", "indices"):
                path = os.path.join(tmp, name + ".npy")
                self.download_artifact(job.id, "artifacts/%s.npy" % name, path)
                arrays.append(np.load(path))
        return tuple(arrays)

    def embed_images(self, model, images):
        """Encoded PNG/JPEG images (bytes) through the EmbeddingService; a
        float32 array, one row per image."""
        ref = (embedding_pb2.ModelRef(job_id=model) if model.startswith("job-")
               else embedding_pb2.ModelRef(checkpoint_id=model))
        answer = self.embedding.Embed(embedding_pb2.EmbedRequest(
            model=ref, images=[embedding_pb2.ImageInput(encoded=b) for b in images]),
            timeout=self.timeout, metadata=self._metadata)
        return np.array([e.values for e in answer.embeddings], np.float32)

    def report(self, spec, dataset_id=None, out_dir=None, progress=None):
        """Runs a report job (a dict or JSON file with a "report"; dataset_id
        fills report.data.train) through its steps, and downloads it to
        out_dir when given. Returns the report's Job."""
        if isinstance(spec, (str, os.PathLike)):
            with open(spec) as f:
                spec = json.load(f)
        spec = json.loads(json.dumps(spec))  # a copy to fill in
        if dataset_id:
            spec["report"].setdefault("data", {})["train"] = {"dataset_id": dataset_id}
        report = self.submit(spec)
        for step in report.steps:
            try:
                self.wait(step.job_id, progress=progress)
            except JobFailed:
                break  # the report fails with it; wait() below says why
        job = self.wait(report.id, progress=progress)
        if out_dir:
            self.download_artifacts(job.id, out_dir)
        return job
