"""Writes OUT/rgb_classes.tar: three class folders of 16x16 RGB PNGs whose
classes differ in hue and stripe direction, with noise (seeded), so that a
report job has something to learn on an RGB class-folder upload."""
import io, os, random, sys, tarfile
from PIL import Image

out = sys.argv[1]
rng = random.Random(7)
colours = {"red": (200, 40, 40), "green": (40, 180, 60), "blue": (40, 60, 200)}
with tarfile.open(os.path.join(out, "rgb_classes.tar"), "w") as tar:
    for k, (name, (r, g, b)) in enumerate(colours.items()):
        for i in range(60):
            image = Image.new("RGB", (16, 16))
            for y in range(16):
                for x in range(16):
                    stripe = ((x if k == 0 else y if k == 1 else x + y) // 3) % 2
                    n = rng.randint(-50, 50)
                    image.putpixel((x, y), tuple(max(0, min(255, c // (1 + stripe) + n))
                                                 for c in (r, g, b)))
            data = io.BytesIO()
            image.save(data, format="PNG")
            info = tarfile.TarInfo("%s/%03d.png" % (name, i))
            info.size = len(data.getvalue())
            tar.addfile(info, io.BytesIO(data.getvalue()))
