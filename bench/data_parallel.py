#!/usr/bin/python3
"""Data-parallel pretraining on this machine: one rank with all the cores
against N ranks (c10d, Gloo on loopback) with a share of them each, at the
same global batch, side by side in one run.

For each model: 1 rank x T threads, then N ranks x T/N threads with
per-rank BatchNorm and with SyncBN. Each run is the real simclr-worker on
the same spec, timed over --steps steps after --skip warm-up steps from its
per-step progress events: views per second (all ranks), the share of the
step in all-gather and all-reduce (rank 0), and the bytes each collective
moves per step (from the model's parameter count and the projection size).

Runs alternate over --rounds rounds and the median of each is reported.
Then a cost model for N ranks on a network link, from the measured compute
time per step and the measured message sizes (ring all-reduce): the link's
bandwidth and latency are stated assumptions, not measurements.

  data_parallel.py --worker build/core/simclr-worker [--ranks 2] [--rounds 3] [--quick]

Prints a Markdown report on stdout."""
import math
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = [
    {"name": "small CNN 28x28x1", "spec": "small_cnn_28.json", "batch": 256,
     "skip": 4, "steps": 24},
    {"name": "ResNet-18 32x32x3", "spec": "resnet18_32.json", "batch": 64,
     "skip": 2, "steps": 8},
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_spec(config, folder, ranks, sync_bn):
    with open(os.path.join(HERE, "reference", config["spec"])) as f:
        spec = json.load(f)
    steps = config["skip"] + config["steps"]
    spec["num_ranks"] = ranks
    spec["num_threads"] = 0
    pretrain = spec["pretrain"]
    pretrain["batch_size"] = config["batch"] // ranks
    pretrain["sync_batch_norm"] = sync_bn
    pretrain["data"]["max_examples"] = config["batch"] * steps
    pretrain["data"]["loader_threads"] = 1
    path = os.path.join(folder, "spec-%d-%s.json" % (ranks, sync_bn))
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def run(worker, spec, job_dir, ranks, threads):
    port = str(free_port())
    processes = []
    for rank in range(ranks):
        env = dict(os.environ)
        if ranks > 1:
            env.update(RANK=str(rank), WORLD_SIZE=str(ranks), LOCAL_RANK=str(rank),
                       MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
        processes.append(subprocess.Popen(
            [worker, "--num_threads", str(threads), "run", "--spec", spec,
             "--job_dir", job_dir, "--events", "text"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=1800) for p in processes]
    for p, (_, err) in zip(processes, outputs):
        if p.returncode != 0:
            raise RuntimeError("worker failed:\n" + err[-2000:])
    events = [json.loads(line) for line in outputs[0][0].splitlines() if line]
    return [e["progress"] for e in events if "progress" in e]


def parameter_count(job_dir, head_widths):
    import torch  # Debian's python3-torch
    module = torch.jit.load(os.path.join(job_dir, "checkpoints", "final", "encoder.pt"))
    encoder = sum(p.numel() for p in module.parameters())
    features = module(torch.zeros(2, *input_shape(job_dir))).shape[1]
    head, width_in = 0, features
    for i, width in enumerate(head_widths):
        last = i + 1 == len(head_widths)
        head += width_in * width + (width if last else 2 * width)  # bias, or BN γ β
        width_in = width
    return encoder, head


def input_shape(job_dir):
    for name in os.listdir(os.path.join(job_dir, "checkpoints")):
        meta = os.path.join(job_dir, "checkpoints", name, "meta.json")
        if os.path.exists(meta):
            with open(meta) as f:
                spec = json.load(f)["encoder"]["input"]
            return (spec["channels"], spec["size"], spec["size"])
    raise RuntimeError("no checkpoint meta.json")


def measure(progress, skip):
    window = progress[skip:]
    views = statistics.median(p["samples_per_second"] for p in window)
    communication = statistics.median(p.get("communication_fraction", 0) for p in window)
    return views, communication


def ring_seconds(n, payload, buckets, link):
    """One step's collectives on `n` ranks: the gradient all-reduce in
    `buckets` (ring: 2(n-1) messages, 2(n-1)/n of the bytes through each
    link) and the projections' all-gather ((n-1) messages of a rank's part)."""
    bandwidth, latency = link
    reduce_bytes, gather_part = payload
    reduce = buckets * 2 * (n - 1) * latency + 2 * (n - 1) / n * reduce_bytes / bandwidth
    gather = (n - 1) * latency + (n - 1) * gather_part / bandwidth
    return reduce + gather


def cost_model(models, measured_ranks):
    links = [("10 Gb/s, 50 us", (1.25e9, 50e-6)), ("100 Gb/s, 10 us", (12.5e9, 10e-6))]
    print("\n## Cost model: N ranks, same batch per rank as measured\n")
    print("Compute per step is the measured %d-rank step minus its communication;"
          " the link figures are assumptions. Share = communication / step.\n"
          % measured_ranks)
    for config, compute, reduce_bytes, gather_part, loopback in models:
        buckets = max(1, math.ceil(reduce_bytes / (16 << 20)))
        print("%s: compute %.3f s/step per rank, all-reduce %.2f MB in %d bucket(s),"
              " all-gather %.0f kB per rank; measured on loopback: %.1f ms/step\n"
              % (config["name"], compute, reduce_bytes / 1e6, buckets, gather_part / 1e3,
                 1e3 * loopback))
        print("| ranks | " + " | ".join(name for name, _ in links) + " |")
        print("|---|" + "---|" * len(links))
        for n in (2, 4, 8, 16, 64):
            cells = []
            for _, link in links:
                t = ring_seconds(n, (reduce_bytes, gather_part), buckets, link)
                cells.append("%.1f ms (%.1f %%)" % (1e3 * t, 100 * t / (t + compute)))
            print("| %d | %s |" % (n, " | ".join(cells)))
        print()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", required=True)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="small CNN only")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count()
    threads = max(1, cores // args.ranks)
    print("# Data-parallel pretraining: 1 rank x %d threads vs %d ranks x %d threads\n"
          % (cores, args.ranks, threads))
    print("| model | global batch | run | views/s | vs 1 rank | communication share |"
          " all-reduce / step | all-gather / step |")
    print("|---|---|---|---|---|---|---|---|")
    summary, models = [], []
    for config in CONFIGS[:1] if args.quick else CONFIGS:
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(HERE, "reference", config["spec"])) as f:
                widths = json.load(f)["pretrain"]["projection_head"]["widths"]
            runs = [("1 rank", 1, cores, False),
                    ("%d ranks" % args.ranks, args.ranks, threads, False),
                    ("%d ranks, SyncBN" % args.ranks, args.ranks, threads, True)]
            measured = {label: [] for label, _, _, _ in runs}
            sizes = {}
            for _ in range(args.rounds):
                for label, ranks, t, sync in runs:
                    job_dir = os.path.join(folder, "job-%d-%s" % (ranks, sync))
                    shutil.rmtree(job_dir, ignore_errors=True)
                    spec = write_spec(config, folder, ranks, sync)
                    measured[label].append(measure(run(args.worker, spec, job_dir, ranks, t),
                                                   config["skip"]))
                    sizes[label] = parameter_count(job_dir, widths)
            base = None
            for label, ranks, _, _ in runs:
                views = statistics.median(v for v, _ in measured[label])
                communication = statistics.median(c for _, c in measured[label])
                encoder, head = sizes[label]
                reduce_bytes = (encoder + head) * 4 if ranks > 1 else 0
                gather_bytes = config["batch"] * 2 * widths[-1] * 4 if ranks > 1 else 0
                base = base or views
                print("| %s | %d | %s | %.0f | %.2fx | %.1f %% | %.2f MB | %.0f kB |"
                      % (config["name"], config["batch"], label, views, views / base,
                         100 * communication, reduce_bytes / 1e6, gather_bytes / 1e3))
                summary.append("%s, %s: %.0f views/s (%.2fx), communication %.1f %%"
                               % (config["name"], label, views, views / base,
                                  100 * communication))
                if ranks > 1 and "SyncBN" not in label:
                    step = 2 * config["batch"] / views
                    models.append((config, step * (1 - communication), reduce_bytes,
                                   gather_bytes / ranks, step * communication))
    print("\n%d rounds, medians. Views/s counts both views of every image on all ranks;"
          " the communication share is rank 0's time inside all-gather and all-reduce"
          " (waits for the other rank included)." % args.rounds)
    cost_model(models, args.ranks)
    print("\nsummary:")
    for line in summary:
        print("  " + line)
    print()


if __name__ == "__main__":
    sys.exit(main())
