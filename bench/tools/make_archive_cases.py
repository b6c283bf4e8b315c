#!/usr/bin/python3
"""The archives of bench_archive_memory, into the folder argv[1]:
photos.zip  2,000 random 64x64 RGB PNGs in 10 class folders (an ordinary upload)
big.zip     one real 4000x4000 grey PNG (16 Mpx, just under 4096^2) and a small one
lying.zip   1 GiB of zeros in an entry named .png whose headers say 10 bytes
header.zip  a PNG header claiming 100000x100000 and nothing else"""
import io
import os
import struct
import sys
import zipfile
import zlib

import numpy as np
from PIL import Image

out = sys.argv[1]
rng = np.random.default_rng(0)


def png(array, mode):
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


with zipfile.ZipFile(os.path.join(out, "photos.zip"), "w", zipfile.ZIP_STORED) as z:
    for i in range(2000):
        z.writestr("c%d/%d.png" % (i % 10, i), png(rng.integers(0, 255, (64, 64, 3), np.uint8), "RGB"))

with zipfile.ZipFile(os.path.join(out, "big.zip"), "w", zipfile.ZIP_STORED) as z:
    z.writestr("a/small.png", png(rng.integers(0, 255, (40, 40), np.uint8), "L"))
    z.writestr("a/big.png", png(rng.integers(0, 255, (4000, 4000), np.uint8), "L"))

# Streamed so the 1 GiB never sits in this script's memory either.
with zipfile.ZipFile(os.path.join(out, "lying.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a/small.png", png(rng.integers(0, 255, (8, 8), np.uint8), "L"))
    with z.open("a/zeros.png", "w", force_zip64=True) as entry:
        block = b"\0" * (1 << 20)
        for _ in range(1024):
            entry.write(block)
data = bytearray(open(os.path.join(out, "lying.zip"), "rb").read())
for signature, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30),
                                                  (b"PK\x01\x02", 24, 28, 46)):
    at = data.find(signature)
    while at >= 0:
        n = struct.unpack_from("<H", data, at + name_len_at)[0]
        if bytes(data[at + name_at:at + name_at + n]) == b"a/zeros.png":
            size = struct.unpack_from("<I", data, at + size_at)[0]
            if size != 0xFFFFFFFF:
                struct.pack_into("<I", data, at + size_at, 10)
        at = data.find(signature, at + 4)
open(os.path.join(out, "lying.zip"), "wb").write(bytes(data))


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


with zipfile.ZipFile(os.path.join(out, "header.zip"), "w") as z:
    z.writestr("a/small.png", png(rng.integers(0, 255, (8, 8), np.uint8), "L"))
    z.writestr("a/huge.png", b"\x89PNG\r\n\x1a\n" +
               chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)))
