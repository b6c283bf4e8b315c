#!/usr/bin/python3
"""Draws bench_soak's CSV (second, rss_mib, threads, calls, p99_ms) as a PNG of
three stacked panels over time: server RSS, server threads, p99 latency.
Pillow only. Usage: plot_soak.py soak.csv soak.png [title]"""
import csv
import sys

from PIL import Image, ImageDraw, ImageFont

rows = list(csv.DictReader(open(sys.argv[1])))
title = sys.argv[3] if len(sys.argv) > 3 else "bench_soak"
seconds = [float(r["second"]) for r in rows]
panels = [("server RSS (MiB)", [float(r["rss_mib"]) for r in rows], (31, 119, 180)),
          ("server threads", [float(r["threads"]) for r in rows], (44, 160, 44)),
          ("p99 latency of the second's calls (ms)", [float(r["p99_ms"]) for r in rows],
           (214, 39, 40))]
W, H, left, right, top, gap, ph = 1000, 760, 80, 20, 40, 30, 200
image = Image.new("RGB", (W, H), "white")
draw = ImageDraw.Draw(image)
font = ImageFont.load_default()
draw.text((left, 10), title, fill="black", font=font)
t_max = max(seconds) if seconds else 1
for i, (name, values, colour) in enumerate(panels):
    y0 = top + i * (ph + gap)
    v_max = max(values) * 1.1 if values and max(values) > 0 else 1
    draw.rectangle([left, y0, W - right, y0 + ph], outline="black")
    draw.text((left + 5, y0 + 5), name, fill="black", font=font)
    for frac in (0, 0.5, 1):
        y = y0 + ph - frac * ph
        draw.line([left - 5, y, left, y], fill="black")
        draw.text((5, y - 6), "%.0f" % (frac * v_max), fill="black", font=font)
    points = [(left + (t / t_max) * (W - left - right), y0 + ph - (v / v_max) * ph)
              for t, v in zip(seconds, values)]
    if len(points) > 1:
        draw.line(points, fill=colour, width=2)
for frac in (0, 0.25, 0.5, 0.75, 1):
    x = left + frac * (W - left - right)
    y = top + 3 * ph + 2 * gap
    draw.line([x, y, x, y + 5], fill="black")
    draw.text((x - 10, y + 8), "%.0f s" % (frac * t_max), fill="black", font=font)
image.save(sys.argv[2])
