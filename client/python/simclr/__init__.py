"""simclr: a Python client for simclrd.

    import simclr
    client = simclr.Client("127.0.0.1:50051", token=None)
    dataset = client.upload_dataset("train-images.gz", labels="train-labels.gz")
    job = client.submit({"pretrain": {...}})
    for event in client.watch(job.id):
        ...
"""
from simclr.client import Client, JobFailed  # noqa: F401
from simclr.v1 import job_pb2 as _job_pb2

JobState = _job_pb2.JobState

__all__ = ["Client", "JobFailed", "JobState"]
