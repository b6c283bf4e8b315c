#!/usr/bin/python3
"""A real Prometheus scraping a real simclrd (issue 8's monitoring bar).

Starts simclrd on free loopback ports, Debian's prometheus binary scraping
its /metrics every second with deploy/prometheus/rules.yml loaded, trains a
short pretraining job and serves embeddings through simclrctl, then asks
Prometheus's HTTP API for:
  * every recording rule: it must return series;
  * every alert expression: it must evaluate (alerts only have data under
    failure, so an empty result is fine), and every metric it names must
    have series;
  * the rules' health as Prometheus reports it (no evaluation errors);
  * every query of the Grafana dashboard (deploy/grafana/dashboards): it
    must return series (no panel there only has data under failure).
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
from simclrd_process import Simclrd  # noqa: E402

ARGS = None
NON_METRIC_WORDS = {"sum", "by", "rate", "increase", "changes", "histogram_quantile",
                    "and", "on", "le", "or", "unless", "humanizeDuration"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def load_rules(path):
    """(kind, name, expr) of every rule; a tiny YAML reader for our file's shape
    (PyYAML may be absent): `- record:`/`- alert:` then `expr:` (folded)."""
    rules, current, lines = [], None, open(path).read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        m = re.match(r"- (record|alert): (\S+)", line)
        if m:
            current = [m.group(1), m.group(2), None]
            rules.append(current)
        elif line.startswith("expr:") and current is not None:
            expr = line[len("expr:"):].strip()
            if expr in (">", "|"):
                indent = len(lines[i + 1]) - len(lines[i + 1].lstrip())
                parts = []
                while i + 1 < len(lines) and (len(lines[i + 1]) - len(lines[i + 1].lstrip())) >= indent \
                        and lines[i + 1].strip():
                    parts.append(lines[i + 1].strip())
                    i += 1
                expr = " ".join(parts)
            current[2] = expr
        i += 1
    return [tuple(r) for r in rules]


def metric_names(expr):
    no_strings = re.sub(r'"[^"]*"', "", expr)
    no_strings = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "",
                        no_strings)
    no_labels = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", no_strings)
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", no_labels))
    return sorted(n for n in names if n not in NON_METRIC_WORDS and ":" not in n
                  and not re.fullmatch(r"[0-9e.]+", n))


class PrometheusScrapeTest(unittest.TestCase):
    def query(self, expr):
        """Series of `expr` now."""
        url = "http://127.0.0.1:%d/api/v1/query?%s" % (
            self.prometheus_port, urllib.parse.urlencode({"query": expr}))
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        self.assertEqual(body["status"], "success", (expr, body))
        return body["data"]["result"]

    def query_run(self, expr):
        """Series of `expr` at any second of the run (a panel of running
        jobs has data only while one runs, as on a real dashboard)."""
        url = "http://127.0.0.1:%d/api/v1/query_range?%s" % (
            self.prometheus_port, urllib.parse.urlencode(
                {"query": expr, "start": self.started, "end": time.time(), "step": 1}))
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        self.assertEqual(body["status"], "success", (expr, body))
        return [series for series in body["data"]["result"] if series["values"]]

    def test_every_rule_evaluates_on_a_real_scrape(self):
        with tempfile.TemporaryDirectory(prefix="simclr-prom-") as tmp:
            server = Simclrd(ARGS.simclrd, tmp, ["--worker_threads=1",
                                                 "--allow_local_paths=/usr/share/datasets"])
            prometheus = None
            try:
                ports = {"grpc_port": server.grpc_port, "metrics_port": server.metrics_port}
                address = "127.0.0.1:%d" % ports["grpc_port"]
                self.prometheus_port = free_port()
                config = os.path.join(tmp, "prometheus.yml")
                with open(config, "w") as f:
                    f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                            "rule_files: [%s]\n"
                            "scrape_configs:\n"
                            "  - job_name: simclrd\n"
                            "    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
                            % (json.dumps(ARGS.rules), ports["metrics_port"]))
                prometheus_log = open(os.path.join(tmp, "prometheus.log"), "w")
                prometheus = subprocess.Popen(
                    [ARGS.prometheus, "--config.file=" + config,
                     "--storage.tsdb.path=" + os.path.join(tmp, "tsdb"),
                     "--web.listen-address=127.0.0.1:%d" % self.prometheus_port],
                    stdout=prometheus_log,
                    stderr=subprocess.STDOUT)
                wait_for(lambda: self._up(), 60, "the first scrape of simclrd")
                self.started = time.time()

                # Work for every panel: a short job, then embeddings.
                spec = os.path.join(tmp, "spec.json")
                with open(spec, "w") as f:
                    json.dump({"seed": 1, "pretrain": {
                        "data": {"train": {"local": {
                            "format": "DATASET_FORMAT_IDX",
                            "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"}},
                            "max_examples": 640, "val_fraction": 0.2},
                        "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN",
                                                "width_multiplier": 0.5}},
                        "batch_size": 32, "epochs": 3,
                        "monitor": {"log_every_steps": 2, "knn_every_epochs": 0}}}, f)
                ctl = [ARGS.simclrctl, "--server", address]
                submitted = subprocess.run(ctl + ["--json", "jobs", "submit", "-f", spec],
                                           capture_output=True, text=True, timeout=60)
                self.assertEqual(submitted.returncode, 0, submitted.stderr)
                job = json.loads(submitted.stdout.splitlines()[0])["id"]
                # Scrapes while it trains see the running job's gauges (asked
                # over the whole run: the job may already have finished).
                wait_for(lambda: self.query_run('simclr_jobs{state="running"} > 0'), 60,
                         "a scrape of the running job")
                wait_for(lambda: self.query_run("simclr_train_loss"), 60,
                         "a scrape with the training loss")
                watched = subprocess.run(ctl + ["jobs", "watch", job], capture_output=True,
                                         text=True, timeout=300)
                self.assertEqual(watched.returncode, 0, watched.stdout + watched.stderr)
                images = os.path.join(tmp, "images")
                subprocess.run([sys.executable, ARGS.pngs, images, "32"], check=True,
                               capture_output=True, timeout=60)
                for _ in range(3):
                    embedded = subprocess.run(
                        ctl + ["embed", "--model", job, images, "-o",
                               os.path.join(tmp, "v.npy")],
                        capture_output=True, text=True, timeout=60)
                    self.assertEqual(embedded.returncode, 0, embedded.stderr)
                    time.sleep(1.5)
                time.sleep(3)  # a few more scrapes and rule evaluations

                for kind, name, expr in load_rules(ARGS.rules):
                    with self.subTest(rule=name):
                        result = self.query_run(expr)
                        if kind == "record":
                            self.assertTrue(result, "%s returned no series: %s" % (name, expr))
                        for metric in metric_names(expr):
                            self.assertTrue(self.query_run(metric),
                                            "%s names %s, which has no series" % (name, metric))
                with open(ARGS.dashboard) as f:
                    dashboard = json.load(f)
                for panel in dashboard["panels"]:
                    for target in panel["targets"]:
                        with self.subTest(panel=panel["title"], query=target["expr"]):
                            self.assertTrue(self.query_run(target["expr"]),
                                            "panel %r: %s returned no series"
                                            % (panel["title"], target["expr"]))
                groups = self._get("/api/v1/rules")["data"]["groups"]
                for group in groups:
                    for rule in group["rules"]:
                        self.assertEqual(rule["health"], "ok",
                                         (rule["name"], rule.get("lastError")))
            finally:
                if prometheus is not None:
                    prometheus.terminate()
                    prometheus.wait(timeout=30)
                    prometheus_log.close()
                self.assertEqual(server.stop(), 0, server.log_text())

    def _get(self, path):
        url = "http://127.0.0.1:%d%s" % (self.prometheus_port, path)
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)

    def _up(self):
        try:
            return self.query('up{job="simclrd"} == 1')
        except OSError:
            return None


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--simclrd", required=True)
    parser.add_argument("--simclrctl", required=True)
    parser.add_argument("--prometheus", default="/usr/bin/prometheus")
    parser.add_argument("--rules", required=True)
    parser.add_argument("--pngs", required=True)
    parser.add_argument("--dashboard", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
