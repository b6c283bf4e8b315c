#!/usr/bin/python3
"""Checks a checkpoint's encoder.pt in real PyTorch, with no project code.

Loads encoder.pt with torch.jit.load, preprocesses the first N images of an
IDX file exactly as meta.json's input spec says (scale to [0, 1], subtract
mean, divide by std; 28x28 Fashion-MNIST needs no resize), computes the
features, and compares them with the C++ features in a .npy file written by
`simclr-worker features`. Exits 1 if any value differs by more than 1e-5.

  check_encoder.py CHECKPOINT_DIR IMAGES_IDX_GZ FEATURES_NPY
"""
import gzip
import json
import os
import sys

import numpy as np
import torch


def read_idx_images(path, count):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, h, w = (int.from_bytes(data[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16)
    return pixels.reshape(n, h, w)[:count]


def main():
    checkpoint, images_path, features_path = sys.argv[1:4]
    with open(os.path.join(checkpoint, "meta.json")) as f:
        meta = json.load(f)
    spec = meta["encoder"]["input"]
    expected = np.load(features_path)
    images = read_idx_images(images_path, expected.shape[0]).astype(np.float32)
    mean = np.array(spec["mean"], dtype=np.float32).reshape(1, -1, 1, 1)
    std = np.array(spec["std"], dtype=np.float32).reshape(1, -1, 1, 1)
    x = (images[:, None, :, :] / 255.0 - mean) / std
    encoder = torch.jit.load(os.path.join(checkpoint, "encoder.pt"))
    encoder.eval()
    with torch.no_grad():
        features = encoder(torch.from_numpy(x.astype(np.float32))).numpy()
    difference = float(np.abs(features - expected).max())
    print("features %s, feature_dim in meta.json %d, max |python - c++| = %.3g"
          % (features.shape, meta["encoder"]["feature_dim"], difference))
    if features.shape != expected.shape or difference > 1e-5:
        print("MISMATCH")
        return 1
    print("OK: torch.jit.load in Python gives the C++ features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
