#!/usr/bin/env python3
"""Turns perf/broker_sweep.sh's CSV into one self-contained HTML page: the table, and for each
percentile (p50, p99, p99.9) and pressure setting a latency-vs-offered-rate chart (log-log
SVG), one line per system/configuration/acks.

    python3 perf/sweep_chart.py sweep.csv sweep.html [command line to print]
"""
import csv
import html
import math
import sys

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]


def series_name(row):
    acks = "" if row["acks"] == "-" else f" acks={row['acks']}"
    return f"{row['system']} {row['config']}{acks}"


def log_scale(value, low, high, size):
    return (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low)) * size


def chart(rows, column, pressure, names):
    width, height, left, bottom, top, right = 520, 300, 60, 40, 20, 190
    points = [r for r in rows if r["pressure"] == pressure and r[column]]
    if not points:
        return ""
    rates = sorted({int(r["rate"]) for r in points})
    values = [float(r[column]) for r in points]
    x_low, x_high = rates[0] / 1.5, rates[-1] * 1.5
    y_low = 10 ** math.floor(math.log10(max(min(values), 1)))
    y_high = 10 ** math.ceil(math.log10(max(values) * 1.01))
    plot_w, plot_h = width - left - right, height - top - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">']
    out.append(f'<text x="{left}" y="14" font-weight="bold">{column.replace("_us", "")} (us), pressure {pressure}</text>')
    decade = y_low
    while decade <= y_high:
        y = top + plot_h - log_scale(decade, y_low, y_high, plot_h)
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        label = f"{decade / 1000:g} ms" if decade >= 1000 else f"{decade:g} us"
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
        decade *= 10
    for rate in rates:
        x = left + log_scale(rate, x_low, x_high, plot_w)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{rate:,}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">offered msg/s (1 KiB)</text>')
    for i, name in enumerate(names):
        color = COLORS[i % len(COLORS)]
        mine = sorted((int(r["rate"]), float(r[column])) for r in points if series_name(r) == name)
        if not mine:
            continue
        path = " ".join(
            f"{left + log_scale(x, x_low, x_high, plot_w):.1f},{top + plot_h - log_scale(max(y, y_low), y_low, y_high, plot_h):.1f}"
            for x, y in mine)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for pair in path.split():
            px, py = pair.split(",")
            out.append(f'<circle cx="{px}" cy="{py}" r="3" fill="{color}"/>')
        ly = top + 12 + 14 * i
        out.append(f'<rect x="{left + plot_w + 10}" y="{ly - 8}" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{left + plot_w + 24}" y="{ly + 1}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    source, target = sys.argv[1], sys.argv[2]
    command = sys.argv[3] if len(sys.argv) > 3 else ""
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f))
    names = []
    for r in rows:
        if series_name(r) not in names:
            names.append(series_name(r))
    page = ["<!doctype html><html><head><meta charset='utf-8'><title>RingMQ latency sweep</title>",
            "<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style></head><body>",
            "<h1>Produce-to-consume latency against offered rate</h1>",
            f"<p>Command: <code>{html.escape(command)}</code>. Open loop, 1 KiB, one partition; "
            "latency from each message's scheduled send time to its consumption.</p>"]
    for pressure in sorted({r["pressure"] for r in rows}):
        page.append("<div>")
        for column in ("p50_us", "p99_us", "p999_us"):
            page.append(chart(rows, column, pressure, names))
        page.append("</div>")
    page.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in rows[0].keys()) + "</tr>" if rows else "<table>")
    for r in rows:
        page.append("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r.values()) + "</tr>")
    page.append("</table></body></html>")
    with open(target, "w") as f:
        f.write("\n".join(page))


if __name__ == "__main__":
    main()
