"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Small valid inputs of each format, so libFuzzer starts from inside the
parsers rather than from random bytes. Run with /usr/bin/python3 (the
stdlib and Pillow); the output is committed."""
import gzip
import io
import json
import os
import struct
import sys
import tarfile
import zipfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def png(width, height, channels=1):
    colour = {1: 0, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\0" + bytes((x * 7 + y) % 256 for x in range(width * channels))
                   for y in range(height))
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg(width, height, mode="L"):
    """A real baseline JPEG from Pillow (Debian's python3-pil)."""
    from PIL import Image
    out = io.BytesIO()
    Image.new(mode, (width, height), 90).save(out, "JPEG", quality=80)
    return out.getvalue()


JPEG = jpeg(4, 3)


def idx_images(n, h, w):
    return struct.pack(">IIII", 0x803, n, h, w) + bytes(i % 256 for i in range(n * h * w))


def idx_labels(n, classes):
    return struct.pack(">II", 0x801, n) + bytes(i % classes for i in range(n))


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def tar_bytes(members, gz=False):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz" if gz else "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def zip_bytes(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def idx_seeds():
    def pack(with_labels, images, labels):
        return bytes([1 if with_labels else 0]) + struct.pack(">I", len(images)) + images + labels
    write("fuzz_idx_import", "labelled", pack(True, idx_images(6, 4, 4), idx_labels(6, 3)))
    write("fuzz_idx_import", "unlabelled", pack(False, idx_images(3, 5, 2), b""))
    write("fuzz_idx_import", "gzipped", pack(True, gzip.compress(idx_images(4, 3, 3)),
                                              gzip.compress(idx_labels(4, 2))))
    write("fuzz_idx_import", "rgb", pack(False, struct.pack(">IIIII", 0x804, 2, 2, 2, 3) +
                                         bytes(24), b""))


def archive_seeds():
    images = [("cats/a.png", png(4, 4)), ("cats/b.jpg", JPEG), ("dogs/c.png", png(4, 4, 3))]
    write("fuzz_archive_import", "labelled.tar", b"\x01" + tar_bytes(images))
    write("fuzz_archive_import", "labelled.tgz", b"\x03" + tar_bytes(images, gz=True))
    write("fuzz_archive_import", "unlabelled.zip", b"\x00" + zip_bytes(images))
    write("fuzz_archive_import", "rgba.zip", b"\x02" + zip_bytes([("x/y.png", png(3, 2, 4))]))


def image_seeds():
    write("fuzz_image_decode", "grey.png", png(5, 3))
    write("fuzz_image_decode", "rgb.png", png(4, 4, 3))
    write("fuzz_image_decode", "rgba.png", png(2, 6, 4))
    write("fuzz_image_decode", "grey.jpg", JPEG)
    write("fuzz_image_decode", "rgb.jpg", jpeg(9, 7, "RGB"))


def spec_seeds():
    examples = os.path.join(os.path.dirname(ROOT), "..", "examples")
    count = 0
    for dirpath, _, files in os.walk(examples):
        for name in sorted(files):
            if name.endswith(".json"):
                with open(os.path.join(dirpath, name), "rb") as f:
                    write("fuzz_job_spec", name, f.read())
                count += 1
    write("fuzz_job_spec", "minimal.json", json.dumps(
        {"pretrain": {"data": {"train": {"dataset_id": "ds-0123456789ab"}}}}).encode())
    return count


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    return key + (varint(len(payload)) + payload if wire == 2 else payload)


def event_seeds():
    log = field(16, 2, field(1, 0, varint(1)) + field(2, 2, b"epoch 0 done"))
    progress = field(11, 2, field(1, 0, varint(2)) + field(2, 0, varint(40)))
    checkpoint = field(13, 2, field(2, 2, b"checkpoints/40") + field(3, 0, varint(40)) +
                       field(5, 0, varint(1)))
    failure = field(17, 2, field(1, 0, varint(3)) + field(2, 2, b"bad") +
                    field(3, 2, b"pretrain.temperature"))
    stream = b"".join(varint(len(e)) + e for e in (log, progress, checkpoint, failure))
    write("fuzz_event_log", "events", stream)


def embed_seeds():
    model = field(1, 2, field(1, 2, b"ckpt-0123456789ab-8"))
    encoded = field(2, 2, field(1, 2, png(28, 28)))
    jpeg = field(2, 2, field(1, 2, JPEG))
    tensor = field(2, 2, field(2, 2, field(1, 2, varint(1) + varint(28) + varint(28)) +
                               field(2, 2, bytes(4 * 28 * 28))))
    write("fuzz_embed_inputs", "grey", b"\x00" + model + encoded + jpeg + tensor)
    write("fuzz_embed_inputs", "rgb", b"\x01" + model + field(2, 2, field(1, 2, png(40, 36, 3))))


if __name__ == "__main__":
    idx_seeds()
    archive_seeds()
    image_seeds()
    specs = spec_seeds()
    event_seeds()
    embed_seeds()
    print("seeds written to", ROOT, "(%d example specs)" % specs, file=sys.stderr)
