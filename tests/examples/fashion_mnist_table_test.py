#!/usr/bin/python3
"""examples/fashion_mnist_table.sh's bookkeeping, on a copy of examples/:
the job order, skipping finished jobs, continuing a stopped one, moving
aside a folder made by another spec or encoder, and --encoder's checks.

The real jobs take hours, so a stand-in worker (WORKER=) records each
call and writes what the real one leaves behind: checkpoints/final for
pretraining, report.json for an evaluation. It exits 75 (stopped, as the
real worker does after SIGTERM) for the jobs named in $STOP_JOBS.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRETRAIN = "fashion_mnist_pretrain_width2"
EVALUATIONS = ["fashion_mnist_linear_eval", "fashion_mnist_tsne_random_init",
               "fashion_mnist_tsne", "fashion_mnist_finetune_5pct",
               "fashion_mnist_finetune_20pct", "fashion_mnist_finetune_100pct"]

STAND_IN_WORKER = r"""#!/bin/bash
# --num_threads N resume --spec SPEC --job_dir DIR --events text | table ...
if [[ $1 == table ]]; then shift; echo "table of $*"; exit 0; fi
name=$(basename "$5" .json)
echo "$name" >> "$CALLS"
if [[ " $STOP_JOBS " == *" $name "* ]]; then echo "$name: stopped" >> "$7/progress"; exit 75; fi
if [[ $name == *pretrain* ]]; then
  mkdir -p "$7/checkpoints/final"
  echo "encoder of $name" > "$7/checkpoints/final/encoder.pt"
  echo '{"files": [{"sha256": "from the run"}]}' > "$7/checkpoints/final/meta.json"
else
  echo '{"trustworthiness_k10": 0.5}' > "$7/report.json"
fi
"""


class TableScriptTest(unittest.TestCase):
    def setUp(self):
        self.repo = tempfile.mkdtemp(prefix="table_script_")
        shutil.copytree(os.path.join(ROOT, "examples", "jobs"),
                        os.path.join(self.repo, "examples", "jobs"))
        shutil.copy(os.path.join(ROOT, "examples", "fashion_mnist_table.sh"),
                    os.path.join(self.repo, "examples"))
        self.worker = os.path.join(self.repo, "worker")
        with open(self.worker, "w") as f:
            f.write(STAND_IN_WORKER)
        os.chmod(self.worker, 0o755)
        self.calls = os.path.join(self.repo, "calls")

    def tearDown(self):
        shutil.rmtree(self.repo)

    def run_script(self, *args, stop_jobs=""):
        if os.path.exists(self.calls):
            os.remove(self.calls)
        env = dict(os.environ, WORKER=self.worker, CALLS=self.calls,
                   STOP_JOBS=stop_jobs)
        result = subprocess.run(
            ["bash", os.path.join(self.repo, "examples", "fashion_mnist_table.sh"),
             *args], env=env, capture_output=True, text=True, timeout=60)
        called = []
        if os.path.exists(self.calls):
            with open(self.calls) as f:
                called = f.read().split()
        return result, called

    def path(self, *parts):
        return os.path.join(self.repo, *parts)

    def runs(self):
        return sorted(os.listdir(self.path("runs")))

    def make_encoder_folder(self, content=b"the committed encoder"):
        folder = self.path("encoder")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "encoder.pt"), "wb") as f:
            f.write(content)
        sha = hashlib.sha256(content).hexdigest()
        with open(os.path.join(folder, "meta.json"), "w") as f:
            json.dump({"files": [{"name": "encoder.pt", "sha256": sha}]}, f,
                      indent=1)
        shutil.copy(self.path("examples", "jobs", PRETRAIN + ".json"),
                    os.path.join(folder, "spec.json"))
        return folder

    def test_runs_every_job_in_order_then_skips_them(self):
        result, called = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(called, [PRETRAIN] + EVALUATIONS)
        # The table merges the linear report and the three fine-tuned ones.
        self.assertIn("fashion_mnist_linear_eval/report.json", result.stdout)
        for pct in ("100", "20", "5"):
            self.assertIn("fashion_mnist_finetune_%spct/report.json" % pct,
                          result.stdout)
        with open(self.path("runs", "fashion_mnist_table.md")) as f:
            self.assertTrue(f.read().startswith("table of"))

        result, called = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(called, [])
        self.assertEqual(result.stderr.count("done before"), 7)

    def test_a_stopped_job_stops_the_script_and_continues_in_its_folder(self):
        result, called = self.run_script(stop_jobs="fashion_mnist_finetune_20pct")
        self.assertEqual(result.returncode, 75)
        self.assertIn("run this script again to continue", result.stderr)
        self.assertEqual(called[-1], "fashion_mnist_finetune_20pct")
        self.assertNotIn("fashion_mnist_finetune_100pct", called)

        result, called = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(called, ["fashion_mnist_finetune_20pct",
                                  "fashion_mnist_finetune_100pct"])
        # Same folder, not moved aside: the worker's `resume` sees the progress.
        self.assertTrue(os.path.exists(
            self.path("runs", "fashion_mnist_finetune_20pct", "progress")))
        self.assertFalse(any(".replaced-" in r for r in self.runs()))

    def test_a_changed_spec_moves_only_its_job_aside(self):
        self.run_script()
        spec = self.path("examples", "jobs", "fashion_mnist_tsne.json")
        with open(spec, "a") as f:
            f.write("\n")
        result, called = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(called, ["fashion_mnist_tsne"])
        aside = [r for r in self.runs() if ".replaced-" in r]
        self.assertEqual(len(aside), 1)
        self.assertTrue(aside[0].startswith("fashion_mnist_tsne.replaced-"))

    def test_another_encoder_moves_every_evaluation_aside(self):
        self.run_script()
        result, called = self.run_script("--encoder", self.make_encoder_folder())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(called, EVALUATIONS)  # no pretraining
        with open(self.path("runs", PRETRAIN, "checkpoints", "final",
                            "encoder.pt"), "rb") as f:
            self.assertEqual(f.read(), b"the committed encoder")
        aside = sorted(r.split(".replaced-")[0] for r in self.runs()
                       if ".replaced-" in r)
        self.assertEqual(aside, sorted([PRETRAIN] + EVALUATIONS))

        # The same folder again: nothing to redo.
        result, called = self.run_script("--encoder", self.path("encoder"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(called, [])

    def test_encoder_folder_is_checked_before_anything_runs(self):
        folder = self.make_encoder_folder()
        with open(os.path.join(folder, "encoder.pt"), "ab") as f:
            f.write(b"tampered")
        result, called = self.run_script("--encoder", folder)
        self.assertEqual(result.returncode, 2)
        self.assertIn("encoder.pt is not the file", result.stderr)
        self.assertEqual(called, [])

        folder = self.make_encoder_folder()
        with open(os.path.join(folder, "spec.json"), "w") as f:
            f.write("{}\n")
        result, called = self.run_script("--encoder", folder)
        self.assertEqual(result.returncode, 2)
        self.assertIn("spec.json is missing or differs", result.stderr)
        self.assertEqual(called, [])

        result, called = self.run_script("--encoder", self.path("nowhere"))
        self.assertEqual(result.returncode, 2)
        self.assertEqual(called, [])

        result, _ = self.run_script("--epochs", "3")
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage:", result.stderr)


if __name__ == "__main__":
    unittest.main()
