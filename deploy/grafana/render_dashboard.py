#!/usr/bin/python3
"""Renders deploy/grafana/dashboards/simclrd.json to one PNG from a real
Prometheus, headless (Grafana is not packaged in Debian): every panel's
queries over [start, end] through /api/v1/query_range, drawn as line
charts with PIL, in the dashboard's grid, with titles, legends and axes.

  render_dashboard.py --prometheus http://127.0.0.1:9090 \
      --dashboard deploy/grafana/dashboards/simclrd.json \
      --start UNIX --end UNIX --out docs/images/dashboard.png
"""
import argparse
import json
import math
import urllib.parse
import urllib.request

from PIL import Image, ImageDraw, ImageFont

COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
PANEL_W, PANEL_H, PAD = 640, 300, 12


def font(size):
    try:
        return ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default()


def query_range(url, expr, start, end, step):
    query = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen("%s/api/v1/query_range?%s" % (url, query), timeout=30) as r:
        body = json.load(r)
    return body["data"]["result"]


def legend(template, labels):
    text = template
    for key, value in labels.items():
        text = text.replace("{{%s}}" % key, value)
    return text


def human(value, unit):
    if unit == "bytes" or unit == "Bps":
        for suffix in ("B", "KiB", "MiB", "GiB"):
            if abs(value) < 1024:
                return "%.3g %s%s" % (value, suffix, "/s" if unit == "Bps" else "")
            value /= 1024
        return "%.3g TiB" % value
    if unit == "s":
        return "%.3g ms" % (value * 1e3) if abs(value) < 1 else "%.3g s" % value
    if unit == "percentunit":
        return "%.0f%%" % (100 * value)
    return "%.4g" % value


def per_bucket(series):
    """Cumulative `le` buckets → the count in each bucket (what Grafana's
    heatmap shows), as (le ≤ bound) series, empty buckets dropped."""
    def bound(name):
        return math.inf if name == "+Inf" else float(name)
    ordered = sorted(series, key=lambda s: bound(s[0]))
    result, previous = [], None
    for name, points in ordered:
        own = points if previous is None else [
            (t, v - dict(previous).get(t, 0.0)) for t, v in points]
        previous = points
        if any(v > 0 for _, v in own):
            result.append(("batch <= %s" % name if name != "+Inf" else "batch > last", own))
    return result


def draw_panel(image, x0, y0, panel, series, start, end):
    d = ImageDraw.Draw(image)
    d.rectangle([x0, y0, x0 + PANEL_W - 1, y0 + PANEL_H - 1], fill=(255, 255, 255),
                outline=(200, 200, 200))
    d.text((x0 + 10, y0 + 6), panel["title"], fill=(20, 20, 20), font=font(15))
    unit = panel["fieldConfig"]["defaults"].get("unit", "short")
    left, top, right, bottom = x0 + 70, y0 + 32, x0 + PANEL_W - 170, y0 + PANEL_H - 28
    values = [v for _, points in series for _, v in points if math.isfinite(v)]
    if not values:
        d.text((left + 40, (top + bottom) // 2), "no data", fill=(150, 0, 0), font=font(14))
        return
    low, high = min(0.0, min(values)), max(values)
    if high == low:
        high = low + 1
    d.line([left, top, left, bottom, right, bottom], fill=(120, 120, 120))
    for i in range(3):
        value = low + (high - low) * i / 2
        y = bottom - (bottom - top) * i / 2
        d.line([left - 3, y, right, y], fill=(235, 235, 235) if i else (120, 120, 120))
        d.text((x0 + 4, y - 7), human(value, unit), fill=(80, 80, 80), font=font(11))
    minutes = (end - start) / 60
    d.text((left, bottom + 6), "-%.1f min" % minutes, fill=(80, 80, 80), font=font(11))
    d.text((right - 30, bottom + 6), "now", fill=(80, 80, 80), font=font(11))
    for index, (name, points) in enumerate(series[:10]):
        colour = COLOURS[index % len(COLOURS)]
        xy = [(left + (right - left) * (t - start) / (end - start),
               bottom - (bottom - top) * (v - low) / (high - low))
              for t, v in points if math.isfinite(v)]
        if len(xy) > 1:
            d.line(xy, fill=colour, width=2)
        elif xy:
            d.ellipse([xy[0][0] - 2, xy[0][1] - 2, xy[0][0] + 2, xy[0][1] + 2], fill=colour)
        last = [v for _, v in points if math.isfinite(v)]
        label = "%s  %s" % (name[:18], human(last[-1], unit) if last else "")
        d.line([right + 10, top + 8 + 18 * index, right + 24, top + 8 + 18 * index],
               fill=colour, width=3)
        d.text((right + 28, top + 1 + 18 * index), label, fill=(40, 40, 40), font=font(11))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prometheus", required=True)
    p.add_argument("--dashboard", required=True)
    p.add_argument("--start", type=float, required=True)
    p.add_argument("--end", type=float, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--title", default="")
    args = p.parse_args()
    with open(args.dashboard) as f:
        dashboard = json.load(f)
    panels = dashboard["panels"]
    rows = max(pn["gridPos"]["y"] // 8 for pn in panels) + 1
    header = 40
    image = Image.new("RGB", (2 * PANEL_W + 3 * PAD, header + rows * (PANEL_H + PAD) + PAD),
                      (244, 245, 247))
    ImageDraw.Draw(image).text(
        (PAD, 10), args.title or "%s — rendered from Prometheus query_range" % dashboard["title"],
        fill=(20, 20, 20), font=font(18))
    step = max(1.0, (args.end - args.start) / 300)
    for panel in panels:
        series = []
        for target in panel["targets"]:
            for result in query_range(args.prometheus, target["expr"], args.start, args.end, step):
                points = [(float(t), float(v)) for t, v in result["values"]]
                series.append((legend(target["legendFormat"], result["metric"]), points))
        if panel["type"] == "heatmap":
            series = per_bucket(series)
        col, row = panel["gridPos"]["x"] // 12, panel["gridPos"]["y"] // 8
        draw_panel(image, PAD + col * (PANEL_W + PAD), header + row * (PANEL_H + PAD), panel,
                   series, args.start, args.end)
    image.save(args.out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
