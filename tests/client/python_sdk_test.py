#!/usr/bin/python3
"""The simclr Python SDK as users get it: `pip install ./client/python` into
a fresh virtual environment (offline, Debian's packages), then a report job
driven by simclr.Client against a real simclrd: submitted, watched,
downloaded, and its table equal to its step's EvalResult events."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testing"))
from sdk_venv import install_sdk  # noqa: E402
from simclrd_process import Simclrd  # noqa: E402

ARGS = None


class PythonSdkTest(unittest.TestCase):
    def test_a_report_through_the_installed_sdk(self):
        with tempfile.TemporaryDirectory(prefix="simclr-sdk-") as tmp:
            python = install_sdk(ARGS.sdk, os.path.join(tmp, "venv"))
            # The installed package, not the source tree, answers `import simclr`.
            where = subprocess.run([python, "-c", "import simclr; print(simclr.__file__)"],
                                   cwd=tmp, capture_output=True, text=True, check=True)
            self.assertIn(os.path.join(tmp, "venv"), where.stdout)
            subprocess.run(["/usr/bin/python3", os.path.join(HERE, "..", "e2e",
                                                             "make_rgb_classes.py"), tmp],
                           check=True, timeout=60)
            server = Simclrd(ARGS.simclrd, tmp, ["--metrics_port=-1", "--worker_threads=1",
                                                 "--max_concurrent_jobs=2"])
            try:
                driver = subprocess.run(
                    [python, os.path.join(HERE, "sdk_report_driver.py"),
                     "127.0.0.1:%d" % server.grpc_port, os.path.join(tmp, "rgb_classes.tar"),
                     os.path.join(tmp, "report")],
                    capture_output=True, text=True, timeout=240, cwd=tmp)
                self.assertEqual(driver.returncode, 0, driver.stdout + driver.stderr)
                result = json.loads(driver.stdout.strip().splitlines()[-1])
            finally:
                self.assertEqual(server.stop(), 0, server.log_text())
            self.assertEqual(result["state"], "JOB_STATE_SUCCEEDED")
            self.assertEqual(result["steps"], 4)
            for name in ("report.html", "report.json", "report.md", "artifacts/tsne_after.png",
                         "artifacts/training_curves.png"):
                self.assertIn(name, result["artifacts"])
                self.assertTrue(os.path.exists(os.path.join(tmp, "report", name)), name)
            self.assertEqual(len(result["cells"]), 3)  # SimCLR, before SimCLR, raw pixels
            self.assertEqual(result["cells"], result["events"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--simclrd", required=True)
    parser.add_argument("--sdk", required=True, help="client/python")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
