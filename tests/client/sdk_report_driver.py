"""Run by a virtual environment's python with the simclr SDK installed:
uploads an RGB class-folder archive, runs a small report through
simclr.Client.report, downloads it, and prints one JSON line: the report's
linear cells and the EvalResult events its linear_eval step emitted."""
import json
import os
import sys

from google.protobuf import json_format

import simclr

server, archive, out = sys.argv[1:4]
client = simclr.Client(server)
dataset = client.upload_dataset(archive, name="rgb classes")
spec = {"seed": 2, "num_threads": 1, "report": {
    "data": {"val_fraction": 0.1, "test_fraction": 0.25},
    "pretrain": {"encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN",
                                         "width_multiplier": 0.5}},
                 "input": {"size": 16, "channels": 3, "mean": [0.5] * 3, "std": [0.25] * 3},
                 "batch_size": 32, "epochs": 1, "monitor": {"knn_every_epochs": 0}},
    "protocol": {"label_fractions": [1.0], "repeats": 2}, "skip_finetune": True,
    "tsne": {"num_points": 60, "perplexity": 15, "iterations": 250, "image_size": 256}}}
report = client.report(spec, dataset_id=dataset.id, out_dir=out, progress=False)
linear = [s.job_id for s in report.steps if s.name == "linear_eval"][0]
events = [json_format.MessageToDict(e.eval_result, preserving_proto_field_name=True)
          for e in client.watch(linear, progress=False) if e.WhichOneof("event") == "eval_result"]
with open(os.path.join(out, "report.json")) as f:
    cells = json.load(f)["linear_eval"]["results"]
print(json.dumps({"state": simclr.JobState.Name(report.state), "steps": len(report.steps),
                  "artifacts": sorted(a.name for a in client.artifacts(report.id)),
                  "cells": cells, "events": events}))
