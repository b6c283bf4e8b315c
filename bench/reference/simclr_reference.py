#!/usr/bin/python3
"""SimCLR pretraining as a competent PyTorch user would write it: the
reference that simclr-worker is measured against (issue 7).

Same model, augmentation, batch, optimizer and temperature as the worker's
spec in bench/reference/: torchvision transforms on PIL images, a
DataLoader with worker processes, the small CNN or ResNet-18 (CIFAR stem)
as plain nn.Modules, a [128, 64] projection head with BN + ReLU, NT-Xent,
Adam with linear warm-up and cosine decay.

  simclr_reference.py --arch small_cnn --size 28 --channels 1 \
      --workers 2 --threads 2 --steps 30 [--pure_compute]

Prints one JSON line: views/s over --steps steps after --skip steps (the
same window the worker's figure uses), and the share of step time spent
waiting for the DataLoader. --pure_compute feeds pre-made tensors instead
(the compute limit of the same step)."""
import argparse
import gzip
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.transforms as T
from PIL import Image

DATA = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def conv_bn_relu(cin, cout, stride=1, pool=False):
    layers = [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
              nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)


class SmallCnn(nn.Module):
    """The worker's ARCHITECTURE_SMALL_CNN: 4 conv-BN-ReLU blocks, 32-64-128-128
    times the width multiplier."""
    def __init__(self, channels, width=1.0):
        super().__init__()
        widths = [int(round(w * width)) for w in [32, 64, 128, 128]]
        blocks, cin = [], channels
        for i, w in enumerate(widths):
            blocks.append(conv_bn_relu(cin, w, pool=i < 3))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.dim = cin

    def forward(self, x):
        return self.blocks(x).mean(dim=(2, 3))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet18(nn.Module):
    """The worker's ARCHITECTURE_RESNET18 with the CIFAR stem (inputs < 96)."""
    def __init__(self, channels):
        super().__init__()
        self.stem = conv_bn_relu(channels, 64)
        layers, cin = [], 64
        for stage in range(4):
            cout = 64 << stage
            for b in range(2):
                layers.append(BasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.dim = cin

    def forward(self, x):
        return self.layers(self.stem(x)).mean(dim=(2, 3))


def projection_head(dim, widths=(128, 64)):
    layers, cin = [], dim
    for i, w in enumerate(widths):
        last = i == len(widths) - 1
        layers.append(nn.Linear(cin, w, bias=last))
        if not last:
            layers += [nn.BatchNorm1d(w), nn.ReLU(inplace=True)]
        cin = w
    return nn.Sequential(*layers)


def nt_xent(z1, z2, temperature):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.t() / temperature
    n = z1.shape[0]
    logits.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(logits, targets)


class TwoViews(torch.utils.data.Dataset):
    def __init__(self, images, transform, rgb):
        self.images, self.transform, self.rgb = images, transform, rgb

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = Image.fromarray(self.images[index], mode="L")
        if self.rgb:
            image = image.convert("RGB")
        return self.transform(image), self.transform(image)


def simclr_transform(size, channels, mean, std):
    # The worker's AUGMENTATION_PRESET_SIMCLR with crop scale 0.2..1, no blur.
    return T.Compose([
        T.RandomResizedCrop(size, scale=(0.2, 1.0), ratio=(3 / 4, 4 / 3)),
        T.RandomHorizontalFlip(0.5),
        T.RandomApply([T.ColorJitter(0.8, 0.8, 0.8, 0.2)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.ToTensor(),
        T.Normalize([mean] * channels, [std] * channels),
    ])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch", choices=["small_cnn", "resnet18"], default="small_cnn")
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--channels", type=int, choices=[1, 3], default=1)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--temperature", type=float, default=0.5)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--skip", type=int, default=5, help="steps before timing starts")
    p.add_argument("--steps", type=int, default=30, help="timed steps")
    p.add_argument("--max_examples", type=int, default=60000)
    p.add_argument("--pure_compute", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    with gzip.open(DATA) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    images = images[:args.max_examples]
    encoder = (SmallCnn if args.arch == "small_cnn" else ResNet18)(args.channels)
    head = projection_head(encoder.dim)
    params = list(encoder.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(params, lr=args.lr)
    total = args.skip + args.steps
    # Cosine decay over the run without warm-up, as the bench specs say.
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(1.0, s / total))))

    if args.pure_compute:
        shape = (args.batch, args.channels, args.size, args.size)
        batches = iter(lambda: (torch.randn(shape), torch.randn(shape)), None)
    else:
        dataset = TwoViews(images, simclr_transform(args.size, args.channels, 0.286, 0.353),
                           args.channels == 3)
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=args.batch, shuffle=True, drop_last=True,
            num_workers=args.workers, persistent_workers=args.workers > 0)
        batches = iter(loader)

    encoder.train()
    head.train()
    waited = computed = 0.0
    start = None
    for step in range(total):
        if step == args.skip:
            start, waited, computed = time.perf_counter(), 0.0, 0.0
        t0 = time.perf_counter()
        view1, view2 = next(batches)
        t1 = time.perf_counter()
        z = head(encoder(torch.cat([view1, view2])))
        loss = nt_xent(z[:args.batch], z[args.batch:], args.temperature)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        t2 = time.perf_counter()
        waited += t1 - t0
        computed += t2 - t1
    seconds = time.perf_counter() - start
    print(json.dumps({
        "arch": args.arch, "size": args.size, "channels": args.channels,
        "batch": args.batch, "workers": args.workers, "threads": args.threads,
        "pure_compute": args.pure_compute, "steps": args.steps,
        "views_per_second": 2 * args.batch * args.steps / seconds,
        "data_wait_fraction": waited / (waited + computed), "loss": float(loss)}))


if __name__ == "__main__":
    main()
