#!/usr/bin/python3
"""Writes the archives of the bad-input catalogue into the folder argv[1],
each a way an upload could make simclrd read what it should not, allocate
without bound, or store what it cannot serve again:
hardlink.tar, lying_size.zip (60 MiB of zeros whose headers say 10 bytes),
bmp_as_png.tar (a BMP claiming 30000x30000, named .png), huge_header.tar (a
PNG header claiming 100000x100000 and nothing more), latin1_class.tar (a class
folder that is not UTF-8), long_class.tar (a 200-byte class name),
many_classes.tar (257 class folders), no_images.tar, not_an_archive.tar."""
import io
import os
import struct
import sys
import tarfile
import zipfile
import zlib

from PIL import Image

out = sys.argv[1]


def png(w=6, h=6):
    buf = io.BytesIO()
    Image.new("L", (w, h), 128).save(buf, "PNG")
    return buf.getvalue()


def tar(name, members):
    with tarfile.open(os.path.join(out, name), "w", format=tarfile.GNU_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as t:
        for path, data, kind, link in members:
            info = tarfile.TarInfo(path)
            info.type, info.size, info.linkname = kind, len(data), link
            t.addfile(info, io.BytesIO(data) if data else None)


def reg(path, data):
    return (path, data, tarfile.REGTYPE, "")


tar("hardlink.tar", [reg("a/0.png", png()), ("a/1.png", b"", tarfile.LNKTYPE, "a/0.png")])

# The declared sizes (local header and central directory) are patched to
# 10 bytes; the deflated data still holds 60 MiB of zeros.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a/0.png", png())
    z.writestr("a/zeros.png", b"\0" * (60 << 20))
data = bytearray(buf.getvalue())
for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
    at = data.find(signature)
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + (26 if signature == b"PK\x03\x04" else 28))[0]
        name_at = at + (30 if signature == b"PK\x03\x04" else 46)
        if bytes(data[name_at:name_at + name_len]) == b"a/zeros.png":
            struct.pack_into("<I", data, at + offset, 10)
        at = data.find(signature, at + 4)
with open(os.path.join(out, "lying_size.zip"), "wb") as f:
    f.write(bytes(data))

bmp = (b"BM" + struct.pack("<IHHI", 54 + 16, 0, 0, 54) +
       struct.pack("<IiiHHIIiiII", 40, 30000, 30000, 1, 24, 0, 16, 0, 0, 0, 0) + b"\0" * 16)
tar("bmp_as_png.tar", [reg("a/0.png", png()), reg("a/big.png", bmp)])


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


huge = (b"\x89PNG\r\n\x1a\n" +
        chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)))
tar("huge_header.tar", [reg("a/0.png", png()), reg("a/huge.png", huge)])
tar("latin1_class.tar", [reg("caf\udce9/0.png", png())])
tar("long_class.tar", [reg("c" * 200 + "/0.png", png())])
tar("many_classes.tar", [reg("c%03d/0.png" % i, png(2, 2)) for i in range(257)])
tar("no_images.tar", [reg("a/README.txt", b"no images here")])
with open(os.path.join(out, "not_an_archive.tar"), "wb") as f:
    f.write(os.urandom(4096))
