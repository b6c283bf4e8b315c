#!/usr/bin/python3
"""examples/fashion_mnist_table.sh against a real simclrd, with a tiny
report spec in place of the hours-long one: it uploads both Fashion-MNIST
splits, runs the report through every step and downloads it; run again, it
finds the same datasets and the same report (its request id) and makes
nothing new."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
from simclrd_process import Simclrd  # noqa: E402

ARGS = None
TINY = {"seed": 4, "num_threads": 1, "report": {
    "data": {"train": {"dataset_id": "TRAIN_DATASET_ID"},
             "test": {"dataset_id": "TEST_DATASET_ID"}, "max_examples": 400},
    "pretrain": {"encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN",
                                         "width_multiplier": 0.5}},
                 "input": {"size": 28, "channels": 1, "mean": [0.286], "std": [0.353]},
                 "batch_size": 64, "epochs": 1, "monitor": {"knn_every_epochs": 0}},
    "protocol": {"label_fractions": [1.0, 0.2], "repeats": 1}, "skip_finetune": True,
    "tsne": {"num_points": 60, "perplexity": 15, "iterations": 250, "image_size": 256}}}


class FashionMnistTableTest(unittest.TestCase):
    def run_script(self, env):
        return subprocess.run(["bash", os.path.join(ROOT, "examples", "fashion_mnist_table.sh")],
                              env=env, capture_output=True, text=True, timeout=400)

    def test_a_tiny_table_through_the_server_and_again(self):
        with tempfile.TemporaryDirectory(prefix="simclr-table-") as tmp:
            spec = os.path.join(tmp, "tiny.json")
            with open(spec, "w") as f:
                json.dump(TINY, f)
            server = Simclrd(ARGS.simclrd, tmp, ["--metrics_port=-1", "--worker_threads=1",
                                                 "--max_concurrent_jobs=2"])
            try:
                env = dict(os.environ, SERVER="127.0.0.1:%d" % server.grpc_port,
                           SIMCLRCTL=ARGS.simclrctl, SPEC=spec, OUT=os.path.join(tmp, "runs"))
                first = self.run_script(env)
                self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
                self.assertIn("| labels | classifier | SimCLR | random-init | raw pixels |",
                              first.stdout)
                self.assertIn("uploading fashion-mnist train", first.stderr)
                report = [line.split()[2] for line in first.stderr.splitlines()
                          if line.startswith("== report ")][0]
                folder = os.path.join(tmp, "runs", report)
                for name in ("report.md", "report.html", "report.json",
                             "artifacts/tsne_before.png", "artifacts/tsne_after.png"):
                    self.assertTrue(os.path.exists(os.path.join(folder, name)), name)
                jobs = subprocess.run([ARGS.simclrctl, "--server", env["SERVER"], "--json",
                                       "jobs", "list"], capture_output=True, text=True,
                                      check=True).stdout.splitlines()

                again = self.run_script(env)
                self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
                self.assertNotIn("uploading", again.stderr)
                self.assertIn("== report %s (JOB_STATE_SUCCEEDED)" % report, again.stderr)
                self.assertEqual(first.stdout, again.stdout)
                still = subprocess.run([ARGS.simclrctl, "--server", env["SERVER"], "--json",
                                        "jobs", "list"], capture_output=True, text=True,
                                       check=True).stdout.splitlines()
                self.assertEqual(len(jobs), len(still))  # 1 report + 4 steps, no more
                self.assertEqual(len(jobs), 5)
            finally:
                self.assertEqual(server.stop(), 0, server.log_text())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--simclrd", required=True)
    parser.add_argument("--simclrctl", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
