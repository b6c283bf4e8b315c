#!/usr/bin/python3
"""Writes the test archives of DatasetServiceTest into the folder argv[1]:
good.tar.gz (class folders, one image of another size, a README), rgb.zip
(unlabelled RGB), corrupt.tar (one undecodable image of four), and one
archive per thing the server must refuse: traversal, an absolute path, a
symlink, a device, a zip bomb (60 MiB of zeros) and a 3000x3000 PNG."""
import io, os, sys, tarfile, zipfile
import numpy as np
from PIL import Image
out = sys.argv[1]
rng = np.random.default_rng(0)
def png(w, h, mode="L"):
    shape = (h, w) if mode == "L" else (h, w, 3)
    buf = io.BytesIO(); Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode).save(buf, "PNG")
    return buf.getvalue()
def add(tar, name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name); info.type = kind; info.size = len(data); info.linkname = link
    tar.addfile(info, io.BytesIO(data) if data else None)
with tarfile.open(os.path.join(out, "good.tar.gz"), "w:gz") as t:
    for c in ("cats", "dogs"):
        for i in range(5): add(t, "pets/%s/%d.png" % (c, i), png(12, 12))
    add(t, "pets/dogs/big.png", png(24, 20))          # resized to 12x12
    add(t, "pets/README.txt", b"not an image")        # skipped
with zipfile.ZipFile(os.path.join(out, "rgb.zip"), "w") as z:
    for i in range(4): z.writestr("img%d.png" % i, png(8, 8, "RGB"))
with tarfile.open(os.path.join(out, "corrupt.tar"), "w") as t:
    for i in range(3): add(t, "a/%d.png" % i, png(6, 6))
    add(t, "a/broken.png", b"definitely not a png")
with tarfile.open(os.path.join(out, "traversal.tar"), "w") as t:
    add(t, "a/0.png", png(6, 6)); add(t, "../evil.png", png(6, 6))
with tarfile.open(os.path.join(out, "absolute.tar"), "w") as t:
    add(t, "/etc/evil.png", png(6, 6))
with tarfile.open(os.path.join(out, "symlink.tar"), "w") as t:
    add(t, "a/0.png", png(6, 6)); add(t, "a/link.png", kind=tarfile.SYMTYPE, link="/etc/passwd")
with tarfile.open(os.path.join(out, "device.tar"), "w") as t:
    add(t, "a/0.png", png(6, 6)); add(t, "a/dev.png", kind=tarfile.CHRTYPE)
with zipfile.ZipFile(os.path.join(out, "bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a/0.png", png(6, 6)); z.writestr("a/zeros.png", b"\0" * (60 << 20))
with tarfile.open(os.path.join(out, "pixels.tar"), "w") as t:
    add(t, "a/0.png", png(6, 6)); add(t, "a/huge.png", png(3000, 3000))
