#!/usr/bin/python3
"""Per-image cost of the SimCLR augmentation in torchvision, as a PyTorch
user's Dataset.__getitem__ runs it: PIL image in, normalised tensor out.

  torchvision_augment.py --size 28 --channels 1 --images 2000

Prints one JSON line with microseconds per image (one thread)."""
import argparse
import json
import time

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--images", type=int, default=2000)
    args = p.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    shape = (args.size, args.size) if args.channels == 1 else (args.size, args.size, 3)
    images = [Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8))
              for _ in range(64)]
    kernel = max(3, int(0.1 * args.size) // 2 * 2 + 1)
    transform = T.Compose([
        T.RandomResizedCrop(args.size, scale=(0.08, 1.0)),
        T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.8, 0.8, 0.8, 0.2)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.RandomApply([T.GaussianBlur(kernel, sigma=(0.1, 2.0))], p=0.5),
        T.ToTensor(),
        T.Normalize([0.5] * args.channels, [0.5] * args.channels),
    ])
    for i in range(50):
        transform(images[i % 64])
    start = time.perf_counter()
    for i in range(args.images):
        transform(images[i % 64])
    seconds = time.perf_counter() - start
    print(json.dumps({"size": args.size, "channels": args.channels,
                      "microseconds_per_image": 1e6 * seconds / args.images}))


if __name__ == "__main__":
    main()
