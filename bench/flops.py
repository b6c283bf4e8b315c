#!/usr/bin/python3
"""FLOPs of one SimCLR training step per view, counted on the reference
models (bench/reference/simclr_reference.py), which mirror the worker's
built-in architectures layer for layer.

Counted: every convolution and linear layer (2 FLOPs per multiply-add) in
the forward pass, then the backward pass as autograd runs it: the weight
gradient of every layer, and the input gradient of every layer but the
first convolution (its input needs none). BatchNorm, ReLU, pooling, the
loss and the optimiser are memory-bound extras not counted, as is usual.

  flops.py --arch small_cnn --width 2 --size 28 --channels 1
prints one JSON line with forward and training FLOPs per view."""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import simclr_reference as ref  # noqa: E402


def training_flops_per_view(arch, width, size, channels, head=(128, 64)):
    encoder = (ref.SmallCnn(channels, width) if arch == "small_cnn"
               else ref.ResNet18(channels))
    model = nn.Sequential(encoder, ref.projection_head(encoder.dim, head))
    layers = []  # (forward FLOPs, is the first layer)

    def count(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            macs = (output.numel() * module.in_channels // module.groups *
                    module.kernel_size[0] * module.kernel_size[1])
        else:
            macs = output.numel() * module.in_features
        layers.append(2 * macs)

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, channels, size, size))
    for h in hooks:
        h.remove()
    forward = sum(layers)
    # Weight gradients: one product per layer the size of its forward;
    # input gradients: the same, except the first layer's.
    training = forward + forward + (forward - layers[0])
    return {"arch": arch, "width": width, "size": size, "channels": channels,
            "forward_flops_per_view": forward, "training_flops_per_view": training}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch", choices=["small_cnn", "resnet18"], default="small_cnn")
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--channels", type=int, default=1)
    a = p.parse_args()
    print(json.dumps(training_flops_per_view(a.arch, a.width, a.size, a.channels)))


if __name__ == "__main__":
    main()
