#!/usr/bin/python3
"""A foreign client talks to the real simclrd: Debian's python3-grpcio.

Checks, against a simclrd started on free loopback ports:
  * a raw grpc.health.v1.Health/Check (hand-encoded bytes, no stubs) is SERVING;
  * server reflection lists every simclr.v1 service;
  * the SDK's stubs (simclr.v1, generated from proto/ when its wheel is
    built) reach the services: real answers from the job and dataset
    services, INVALID_ARGUMENT for an empty embedding request;
  * the example job files parse with Python's protobuf JSON mapping too;
  * SIGTERM stops the server with exit code 0;
  * with --auth_tokens_file, reflection answers only a listed token: no
    token or a wrong one gets UNAUTHENTICATED and not one service name.
"""
import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from sdk_venv import build_wheel  # noqa: E402
from simclrd_process import Simclrd  # noqa: E402

ARGS = None


class PythonInteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="simclr-py-")
        cls.simclrd = Simclrd(ARGS.simclrd, cls.tmp.name)
        cls.server = cls.simclrd.process
        cls.ports = {"grpc_port": cls.simclrd.grpc_port,
                     "metrics_port": cls.simclrd.metrics_port}
        cls.channel = grpc.insecure_channel(
            "127.0.0.1:%d" % cls.ports["grpc_port"])

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        if cls.server.poll() is None:
            cls.server.kill()
        cls.simclrd.log.close()
        cls.tmp.cleanup()

    def test_raw_health_check_is_serving(self):
        check = self.channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=lambda raw: raw,
            response_deserializer=lambda raw: raw)
        # HealthCheckRequest{service=""} is empty; the response
        # HealthCheckResponse{status=SERVING(1)} is field 1, varint 1.
        self.assertEqual(check(b"", timeout=10), b"\x08\x01")

    def test_reflection_lists_the_api(self):
        # ServerReflectionRequest{list_services: ""}: field 7, length 0.
        replies = list_services(self.channel)
        self.assertEqual(len(replies), 1)
        for service in (b"simclr.v1.DatasetService", b"simclr.v1.JobService",
                        b"simclr.v1.CheckpointService",
                        b"simclr.v1.EmbeddingService",
                        b"grpc.health.v1.Health"):
            self.assertIn(service, replies[0])

    def test_generated_stubs_reach_the_services(self):
        from simclr.v1 import dataset_pb2, dataset_pb2_grpc, job_pb2, job_pb2_grpc
        jobs = job_pb2_grpc.JobServiceStub(self.channel)
        with self.assertRaises(grpc.RpcError) as raised:
            jobs.GetJob(job_pb2.GetJobRequest(job_id="job-1"), timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertIn("job-1", raised.exception.details())
        self.assertEqual(list(jobs.ListJobs(job_pb2.ListJobsRequest(),
                                            timeout=10).jobs), [])
        datasets = dataset_pb2_grpc.DatasetServiceStub(self.channel)
        self.assertEqual(list(datasets.ListDatasets(
            dataset_pb2.ListDatasetsRequest(), timeout=10).datasets), [])
        from simclr.v1 import embedding_pb2, embedding_pb2_grpc
        embeddings = embedding_pb2_grpc.EmbeddingServiceStub(self.channel)
        with self.assertRaises(grpc.RpcError) as raised:
            embeddings.Embed(embedding_pb2.EmbedRequest(), timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("images", raised.exception.details())

    def test_example_jobs_parse_in_python(self):
        from google.protobuf import json_format
        from simclr.v1 import job_spec_pb2
        files = glob.glob(os.path.join(ARGS.examples, "*.json"))
        self.assertGreaterEqual(len(files), 4)
        for path in files:
            with open(path) as f:
                spec = json_format.Parse(f.read(), job_spec_pb2.JobSpec())
            self.assertIsNotNone(spec.WhichOneof("kind"), path)

    def test_zz_sigterm_exits_zero(self):  # runs last (alphabetical order)
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait(timeout=30), 0)


def list_services(channel, metadata=()):
    """Raw ServerReflectionRequest{list_services: ""}: the replies' bytes."""
    info = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda raw: raw, response_deserializer=lambda raw: raw)
    return list(info(iter([b"\x3a\x00"]), metadata=metadata, timeout=10))


class ReflectionAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="simclr-py-auth-")
        tokens = os.path.join(cls.tmp.name, "tokens")
        with open(tokens, "w") as f:
            f.write("reflect-token-1 alice\n")
        cls.simclrd = Simclrd(ARGS.simclrd, cls.tmp.name, ["--auth_tokens_file=" + tokens])
        cls.channel = grpc.insecure_channel(cls.simclrd.address)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        assert cls.simclrd.stop() == 0, cls.simclrd.log_text()
        cls.tmp.cleanup()

    def test_a_listed_token_sees_the_api(self):
        replies = list_services(self.channel, [("authorization", "Bearer reflect-token-1")])
        self.assertEqual(len(replies), 1)
        self.assertIn(b"simclr.v1.JobService", replies[0])

    def test_no_token_or_a_wrong_one_learns_nothing(self):
        for metadata in ((), [("authorization", "Bearer not-a-listed-token")]):
            replies = []
            with self.assertRaises(grpc.RpcError) as raised:
                info = self.channel.stream_stream(
                    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                    request_serializer=lambda raw: raw, response_deserializer=lambda raw: raw)
                for reply in info(iter([b"\x3a\x00"]), metadata=metadata, timeout=10):
                    replies.append(reply)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            for reply in replies:
                self.assertNotIn(b"simclr.v1", reply)
                self.assertNotIn(b"grpc.health", reply)

    def test_health_stays_open(self):
        check = self.channel.unary_unary("/grpc.health.v1.Health/Check",
                                         request_serializer=lambda raw: raw,
                                         response_deserializer=lambda raw: raw)
        self.assertEqual(check(b"", timeout=10), b"\x08\x01")  # SERVING


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--simclrd", required=True)
    parser.add_argument("--sdk", required=True, help="client/python")
    parser.add_argument("--examples", required=True)
    ARGS, rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="simclr-wheel-") as wheels:
        sys.path.insert(0, build_wheel(ARGS.sdk, wheels))  # imported from the zip
        outcome = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False)
    sys.exit(0 if outcome.result.wasSuccessful() else 1)
