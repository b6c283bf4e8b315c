#!/usr/bin/python3
"""examples/python/train_through_simclrd.py against a real simclrd, run by
the python of a fresh virtual environment into which `pip install
./client/python` put the simclr SDK: the example uploads, trains, watches,
downloads and embeds through the SDK,
and its torch.jit.load features of the downloaded encoder equal, to 1e-5,
the C++ worker's features of the server's own copy of that checkpoint and
the vectors the EmbeddingService serves for the same images as PNGs."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from sdk_venv import install_sdk  # noqa: E402
from simclrd_process import Simclrd  # noqa: E402

ARGS = None


class PythonClientTest(unittest.TestCase):
    def test_example_trains_downloads_and_matches_the_worker(self):
        with tempfile.TemporaryDirectory(prefix="simclr-pyclient-") as tmp:
            python = install_sdk(ARGS.sdk, os.path.join(tmp, "venv"))
            server = Simclrd(ARGS.simclrd, tmp, ["--metrics_port=-1", "--worker_threads=1"])
            try:
                port = server.grpc_port
                out = os.path.join(tmp, "client")
                example = subprocess.run(
                    [python, ARGS.example, "--server", "127.0.0.1:%d" % port, "--out", out],
                    capture_output=True, text=True, timeout=300)
                self.assertEqual(example.returncode, 0,
                                 example.stdout + example.stderr)
                self.assertIn("SUCCEEDED", example.stdout)
                self.assertIn("verified", example.stdout)
                self.assertIn("embed job: features (10000, ", example.stdout)
                served = re.search(r"max \|served - torch.jit.load\| = (\S+)", example.stdout)
                self.assertIsNotNone(served, example.stdout)
                self.assertLess(float(served.group(1)), 1e-5)
                match = re.search(r"checkpoint (ckpt-([0-9a-f]+)-(\d+)) step", example.stdout)
                self.assertIsNotNone(match, example.stdout)
                server_copy = os.path.join(tmp, "data", "jobs", "job-" + match.group(2),
                                           "run", "checkpoints", match.group(3))
                spec = os.path.join(tmp, "data", "jobs", "job-" + match.group(2),
                                    "spec.json")
                worker_npy = os.path.join(tmp, "worker.npy")
                subprocess.run(
                    [ARGS.worker, "--num_threads", "1", "features", "--checkpoint",
                     server_copy, "--spec", spec, "--count", "24", "--out", worker_npy],
                    check=True, capture_output=True, timeout=120)
                python = np.load(os.path.join(out, "features.npy"))
                worker = np.load(worker_npy)
                self.assertEqual(python.shape, worker.shape)
                self.assertLess(float(np.abs(python - worker).max()), 1e-5)
            finally:
                self.assertEqual(server.stop(), 0, server.log_text())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--simclrd", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--sdk", required=True, help="client/python")
    parser.add_argument("--example", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
