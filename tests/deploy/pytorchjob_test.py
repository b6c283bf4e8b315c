#!/usr/bin/python3
"""deploy/k8s/pytorchjob.yaml without a cluster.

  * Field checks: the ConfigMap's spec is a valid JobSpec (simclr-worker
    validate) whose num_ranks is Master + Worker replicas; the PyTorchJob's
    replicas, its "pytorch" container, the shared ReadWriteMany volume at
    the job folder, the rendezvous port; `kubectl kustomize` when kubectl
    is installed.
  * A local run: each replica's container command line, run as a local
    process with the environment the training-operator sets (RANK,
    WORLD_SIZE, MASTER_ADDR, MASTER_PORT; no LOCAL_RANK) and the volume
    paths mapped to a temporary folder, on a small Fashion-MNIST spec. Both
    ranks must succeed and rank 0 must write the final checkpoint.

  pytorchjob_test.py SIMCLR_WORKER
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFEST = os.path.join(ROOT, "deploy", "k8s", "pytorchjob.yaml")
WORKER = None
DATA = "/usr/share/datasets/fashion-mnist"


def documents():
    with open(MANIFEST) as f:
        return {d["kind"]: d for d in yaml.safe_load_all(f) if d}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PyTorchJobManifestTest(unittest.TestCase):
    def setUp(self):
        self.docs = documents()
        self.job = self.docs["PyTorchJob"]
        self.replicas = self.job["spec"]["pytorchReplicaSpecs"]

    def container(self, kind):
        return self.replicas[kind]["template"]["spec"]["containers"][0]

    def test_kinds_and_versions(self):
        self.assertEqual(self.job["apiVersion"], "kubeflow.org/v1")
        self.assertEqual(self.docs["ConfigMap"]["apiVersion"], "v1")
        self.assertEqual(self.docs["PersistentVolumeClaim"]["spec"]["accessModes"],
                         ["ReadWriteMany"])

    def test_replicas_and_container(self):
        self.assertEqual(self.replicas["Master"]["replicas"], 1)
        self.assertGreaterEqual(self.replicas["Worker"]["replicas"], 1)
        for kind in ("Master", "Worker"):
            c = self.container(kind)
            self.assertEqual(c["name"], "pytorch")  # what the operator looks for
            self.assertEqual(c["command"], ["/usr/local/bin/simclr-worker"])
            self.assertIn("resume", c["args"])  # a restarted pod continues
            self.assertIn("pytorchjob-port", [p["name"] for p in c["ports"]])
            mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
            job_dir = [a for a in c["args"] if a.startswith("--job_dir=")][0].split("=", 1)[1]
            self.assertTrue(job_dir.startswith(mounts["job"] + "/"))
            volumes = {v["name"]: v for v in self.replicas[kind]["template"]["spec"]["volumes"]}
            self.assertEqual(volumes["job"]["persistentVolumeClaim"]["claimName"],
                             self.docs["PersistentVolumeClaim"]["metadata"]["name"])
            self.assertEqual(volumes["spec"]["configMap"]["name"],
                             self.docs["ConfigMap"]["metadata"]["name"])

    def test_the_example_spec_is_valid_for_these_replicas(self):
        spec = json.loads(self.docs["ConfigMap"]["data"]["spec.json"])
        ranks = self.replicas["Master"]["replicas"] + self.replicas["Worker"]["replicas"]
        self.assertEqual(spec["num_ranks"], ranks)
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(spec, f)
            f.flush()
            done = subprocess.run([WORKER, "validate", "--spec", f.name],
                                  capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)

    @unittest.skipUnless(shutil.which("kubectl"), "kubectl is not installed")
    def test_kubectl_kustomize_accepts_it(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copy(MANIFEST, d)
            with open(os.path.join(d, "kustomization.yaml"), "w") as f:
                f.write("resources:\n  - pytorchjob.yaml\n")
            done = subprocess.run(["kubectl", "kustomize", d], capture_output=True,
                                  text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("kind: PyTorchJob", done.stdout)


class PyTorchJobLocalRunTest(unittest.TestCase):
    def test_the_replicas_command_lines_train_as_ranks(self):
        replicas = documents()["PyTorchJob"]["spec"]["pytorchReplicaSpecs"]
        ranks = [("Master", 0)] + [("Worker", i + 1)
                                   for i in range(replicas["Worker"]["replicas"])]
        world = len(ranks)
        with tempfile.TemporaryDirectory() as root:
            mounts = {"/job": os.path.join(root, "job"), "/config": os.path.join(root, "config")}
            for path in mounts.values():
                os.makedirs(path)
            spec = {"seed": 3, "num_ranks": world, "pretrain": {
                "data": {"train": {"local": {
                    "format": "DATASET_FORMAT_IDX",
                    "path": DATA + "/t10k-images-idx3-ubyte.gz",
                    "labels_path": DATA + "/t10k-labels-idx1-ubyte.gz"}},
                    "max_examples": 160, "val_fraction": 0.2, "loader_threads": 1},
                "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN",
                                        "width_multiplier": 0.25}},
                "batch_size": 16, "epochs": 2, "sync_batch_norm": True,
                "monitor": {"log_every_steps": 2, "knn_every_epochs": 0}}}
            with open(os.path.join(mounts["/config"], "spec.json"), "w") as f:
                json.dump(spec, f)
            port = str(free_port())
            processes = []
            for kind, rank in ranks:
                container = replicas[kind]["template"]["spec"]["containers"][0]
                argv = [WORKER] + [self.mapped(a, mounts) for a in container["args"]]
                argv = [a.replace("--num_threads=0", "--num_threads=1") for a in argv]
                env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(world),
                           MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
                env.pop("LOCAL_RANK", None)
                processes.append(subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                                  stderr=subprocess.PIPE, text=True))
            outputs = [p.communicate(timeout=240) for p in processes]
            for p, (out, err) in zip(processes, outputs):
                self.assertEqual(p.returncode, 0, err[-3000:])
            events = [json.loads(line) for line in outputs[0][0].splitlines() if line]
            progress = [e["progress"] for e in events if "progress" in e]
            self.assertTrue(progress)
            self.assertEqual(progress[-1]["step"], progress[-1]["total_steps"])
            self.assertTrue(any("× 2 ranks (gloo)" in e.get("log", {}).get("message", "")
                                for e in events))
            self.assertEqual(outputs[1][0], "")  # rank 1 reports nothing on success
            self.assertTrue(os.path.exists(
                os.path.join(mounts["/job"], "run", "checkpoints", "final", "encoder.pt")))

    @staticmethod
    def mapped(arg, mounts):
        for prefix, local in mounts.items():
            arg = arg.replace("=" + prefix + "/", "=" + local + "/")
        return arg


if __name__ == "__main__":
    WORKER = sys.argv.pop(1)
    unittest.main()
