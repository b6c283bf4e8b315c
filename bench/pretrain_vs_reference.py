#!/usr/bin/python3
"""SimCLR pretraining throughput: simclr-worker against the Python
reference (bench/reference/simclr_reference.py), side by side, for the
small CNN at 28x28 grey and ResNet-18 at 32x32 RGB.

For each model: a sweep of the reference's DataLoader workers (the best is
used), then --rounds alternating runs of ours and the reference (median
views/s and the ratio), then each one's pure compute on pre-made tensors
and the hidden-data-path ratio (end to end / pure compute). Both sides
time the same window: --steps steps after --skip warm-up steps. Our
hidden-data-path ratio comes from bench_loader_vs_step alone, whose pure
compute and loader-fed steps alternate in blocks within one process; the
worker's end to end against a pure compute measured in another process
mixed in the drift between runs (0.91-1.18 here).

  pretrain_vs_reference.py --worker build/core/simclr-worker \
      --loader_bench build/bench/bench_loader_vs_step [--rounds 3] [--quick]

Then the compute against the machine: each model's training FLOPs per
view (bench/flops.py) times its pure-compute views/s, against the fp32
peak bench_compute_peak measures on the same threads (a large sgemm
through the same BLAS, a large oneDNN convolution forward and forward
plus backward), for the small CNN at widths 1 and 2 and ResNet-18.

Prints a Markdown report on stdout."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import flops

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = [
    {"name": "small CNN 28x28x1", "spec": "small_cnn_28.json", "arch": "small_cnn",
     "size": 28, "channels": 1, "batch": 256, "skip": 5, "steps": 30,
     "peak_name": "small CNN width 1, 28x28x1, batch 256"},
    {"name": "ResNet-18 32x32x3", "spec": "resnet18_32.json", "arch": "resnet18",
     "size": 32, "channels": 3, "batch": 64, "skip": 3, "steps": 10,
     "peak_name": "ResNet-18 32x32x3, batch 64"},
]


def run_json(command, timeout):
    out = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(command), out.stderr[-2000:]))
    return out.stdout


def ours(args, config):
    """simclr-worker on the spec, cut to skip + steps batches of one epoch."""
    with open(os.path.join(HERE, "reference", config["spec"])) as f:
        spec = json.load(f)
    spec["pretrain"]["data"]["max_examples"] = config["batch"] * (config["skip"] + config["steps"])
    with tempfile.TemporaryDirectory(prefix="bench-pretrain-") as tmp:
        path = os.path.join(tmp, "spec.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        stdout = run_json([args.worker, "run", "--spec", path, "--job_dir",
                           os.path.join(tmp, "job"), "--events", "text"], 900)
    views = seconds = 0.0
    waited = 0.0
    for line in stdout.splitlines():
        event = json.loads(line)
        progress = event.get("progress")
        if not progress or int(progress["step"]) <= config["skip"]:
            continue
        step_views = 2 * config["batch"]
        step_seconds = step_views / progress["samples_per_second"]
        views += step_views
        seconds += step_seconds
        waited += progress.get("data_wait_fraction", 0) * step_seconds
    return views / seconds, waited / seconds


def reference(args, config, workers, steps=None, pure=False):
    command = [sys.executable, os.path.join(HERE, "reference", "simclr_reference.py"),
               "--arch", config["arch"], "--size", str(config["size"]),
               "--channels", str(config["channels"]), "--batch", str(config["batch"]),
               "--skip", str(config["skip"]), "--steps", str(steps or config["steps"]),
               "--workers", str(workers), "--threads", str(args.threads)]
    if pure:
        command.append("--pure_compute")
    result = json.loads(run_json(command, 900).strip().splitlines()[-1])
    return result["views_per_second"], result["data_wait_fraction"]


def our_compute(args, config):
    out = run_json([args.loader_bench, "--spec", os.path.join(HERE, "reference", config["spec"]),
                    "--batch", str(config["batch"]), "--steps", str(config["steps"]),
                    "--threads", str(args.threads), "--json"], 900)
    return json.loads(out.strip().splitlines()[-1])


PEAK_MODELS = [
    {"name": "small CNN width 1, 28x28x1, batch 256", "spec": "small_cnn_28.json",
     "arch": "small_cnn", "width": 1.0, "size": 28, "channels": 1, "batch": 256, "steps": 30},
    {"name": "small CNN width 2, 28x28x1, batch 256", "spec": "small_cnn_28_w2.json",
     "arch": "small_cnn", "width": 2.0, "size": 28, "channels": 1, "batch": 256, "steps": 20},
    {"name": "ResNet-18 32x32x3, batch 64", "spec": "resnet18_32.json",
     "arch": "resnet18", "width": 1.0, "size": 32, "channels": 3, "batch": 64, "steps": 10},
]


def compute_against_peak(args, measured):
    """measured: name -> bench_loader_vs_step JSON already taken for it."""
    peak = json.loads(run_json([args.peak_bench, "--threads", str(args.threads), "--json"],
                               600).strip().splitlines()[-1])
    print("### Training compute against the machine's fp32 peak\n")
    print("Peak on %d threads (bench_compute_peak, best of 5): sgemm %d² %.0f GFLOP/s; "
          "3x3 convolution 256->256 ch, 14x14, batch 64, channels-last: forward %.0f, "
          "forward + backward %.0f GFLOP/s.\n" % (
              peak["threads"], peak["gemm_size"], peak["gemm_gflops"],
              peak["conv_forward_gflops"], peak["conv_training_gflops"]))
    print("| model | training MFLOP per view | pure compute views/s | GFLOP/s | "
          "of conv fwd+bwd | of sgemm | end to end GFLOP/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    lines = []
    for m in PEAK_MODELS:
        per_view = flops.training_flops_per_view(m["arch"], m["width"], m["size"],
                                                 m["channels"])["training_flops_per_view"]
        result = measured.get(m["name"]) or our_compute(args, m)
        rate = per_view * result["compute_views_per_second"] / 1e9
        e2e = per_view * result["end_to_end_views_per_second"] / 1e9
        share = rate / peak["conv_training_gflops"]
        print("| %s | %.1f | %.0f | %.1f | **%.0f%%** | %.0f%% | %.1f |" % (
            m["name"], per_view / 1e6, result["compute_views_per_second"], rate,
            100 * share, 100 * rate / peak["gemm_gflops"], e2e))
        lines.append("%s: %.0f GFLOP/s, %.0f%% of the convolution's fwd+bwd peak" % (
            m["name"].split(",")[0], rate, 100 * share))
    print("\nFLOPs: convolutions and linear layers, forward, weight gradients and "
          "input gradients (none for the first layer), 2 per multiply-add "
          "(bench/flops.py).\n")
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", required=True)
    p.add_argument("--loader_bench", required=True)
    p.add_argument("--peak_bench", required=True, help="bench_compute_peak")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", default="0,1,2,3", help="DataLoader workers to try")
    p.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    args = p.parse_args()
    if args.quick:
        for c in CONFIGS:
            c["skip"], c["steps"] = 2, 4
    start = time.time()
    print("## SimCLR pretraining: simclr-worker vs the Python reference\n")
    print("%d intra-op threads on both sides; %d CPUs; batch and window per model below; "
          "median of %d alternating rounds.\n" % (args.threads, os.cpu_count(), args.rounds))
    summary = []
    measured = {}
    for config in CONFIGS:
        name = config["name"]
        sweep = {}
        for w in [int(x) for x in args.workers.split(",")]:
            sweep[w] = reference(args, config, w, steps=max(4, config["steps"] // 2))[0]
        best = max(sweep, key=sweep.get)
        mine, theirs, my_wait, their_wait = [], [], [], []
        for _ in range(args.rounds):
            v, w = ours(args, config)
            mine.append(v)
            my_wait.append(w)
            v, w = reference(args, config, best)
            theirs.append(v)
            their_wait.append(w)
        compute = our_compute(args, config)
        measured[config["peak_name"]] = compute
        their_compute = reference(args, config, 0, pure=True)[0]
        ours_e2e, theirs_e2e = statistics.median(mine), statistics.median(theirs)
        print("### %s, batch %d, %d timed steps after %d\n" %
              (name, config["batch"], config["steps"], config["skip"]))
        print("reference DataLoader workers tried (views/s): %s; best %d\n" %
              (", ".join("%d: %.0f" % kv for kv in sorted(sweep.items())), best))
        print("| | ours (simclr-worker) | Python reference | ratio |")
        print("|---|---:|---:|---:|")
        print("| end to end, views/s (rounds) | %.0f (%s) | %.0f (%s) | **%.2f** |" % (
            ours_e2e, ", ".join("%.0f" % v for v in mine), theirs_e2e,
            ", ".join("%.0f" % v for v in theirs), ours_e2e / theirs_e2e))
        print("| pure compute on pre-made tensors, views/s | %.0f | %.0f | %.2f |" % (
            compute["compute_views_per_second"], their_compute,
            compute["compute_views_per_second"] / their_compute))
        hidden = compute["end_to_end_views_per_second"] / compute["compute_views_per_second"]
        print("| hidden data path (end to end / pure compute) | **%.2f** | %.2f | |" % (
            hidden, theirs_e2e / their_compute))
        print("| share of step time waiting for data | %.1f%% | %.1f%% | |\n" % (
            100 * statistics.median(my_wait), 100 * statistics.median(their_wait)))
        summary.append("%s: ours %.0f views/s, reference %.0f (%d workers): %.2fx; hidden "
                       "data path %.2f" % (name, ours_e2e, theirs_e2e, best,
                                           ours_e2e / theirs_e2e, hidden))
    summary += compute_against_peak(args, measured)
    print("summary:\n" + "\n".join("  " + s for s in summary))
    print("\n(%.0f s)" % (time.time() - start))


if __name__ == "__main__":
    main()
