#!/usr/bin/python3
"""Writes the first N Fashion-MNIST test images as PNG files, named
<index>_<class>.png, so they can be embedded like any user's images:

  fashion_mnist_pngs.py OUT_DIR [N]

Uses only numpy and zlib (a minimal 8-bit greyscale PNG writer)."""
import gzip
import os
import struct
import sys
import zlib

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist/"
CLASSES = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
           "sneaker", "bag", "boot"]


def grey_png(image):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    height, width = image.shape
    rows = b"".join(b"\x00" + image[y].tobytes() for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def main():
    out, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 32
    with gzip.open(DATA + "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(DATA + "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        with open(os.path.join(out, "%05d_%s.png" % (i, CLASSES[labels[i]])), "wb") as f:
            f.write(grey_png(images[i]))
    print("wrote %d PNGs to %s" % (count, out))


if __name__ == "__main__":
    main()
