"""Turns the points of scripts/bench-scale.sh (each one scripts/bench.sh run) into the scale and cost
curves: bench-scale.md (a table per curve, and the machine), bench-scale.svg (the curves) and
bench-scale.jsonl (every run of every point, tagged with its settings). Standard library only.

    python3 scale_report.py MANIFEST --out DIR [--set key=value]...
    python3 scale_report.py --replot docs/bench-scale.jsonl --out docs --set date=... --set librdkafka=...

--replot redraws only bench-scale.svg from a recorded bench-scale.jsonl, without running anything.

MANIFEST has one line per point and curve, "curve<TAB>bench.sh output dir", curve being size,
partitions or backlog; one point may serve two curves. --set adds facts about the whole run (nproc,
build, command, duration_s) to the page.
"""
import argparse
import html
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402  (bench.sh's report: the same derived figures and colours)

ORDER = ["raw-produce", "kavro-produce-generic", "kavro-produce-generated", "python-produce",
         "raw-consume", "kavro-consume-noop", "kavro-consume-generated", "kavro-consume-sqlite",
         "kavro-consume-sqlite-batched", "python-consume", "python-consume-sqlite"]
FLAT = 0.20  # consumer RSS between the smallest and the largest backlog may differ by this much


def rank(name):
    return ORDER.index(name) if name in ORDER else len(ORDER)


def label(r, extra):
    """A contestant, and the consumer settings it ran with when a point set them."""
    props = r["consumer_props"]
    if not props:
        return r["contestant"]
    if props == extra.get("ceiling_props"):
        return f"{r['contestant']} (other settings)"
    return f"{r['contestant']} ({props})"


def load(manifest, extra):
    points = []
    for line in open(manifest):
        if not line.strip():
            continue
        curve, d = line.rstrip("\n").split("\t")
        meta = json.load(open(os.path.join(d, "bench-meta.json")))
        runs = [json.loads(x) for x in open(os.path.join(d, "bench-results.jsonl")) if x.strip().startswith("{")]
        rows = report.derive(report.fastest([dict(r) for r in runs]))
        for r in rows:
            r.update(count=meta["count"], pad=meta["pad"], partitions=meta["partitions"],
                     consumer_props=meta.get("consumer_props", ""), record=r["bytes"] / max(r["messages"], 1))
            r["label"] = label(r, extra)
        points.append({"curve": curve, "dir": d, "meta": meta, "runs": runs, "rows": rows})
    return points


def rows_of(points, curve):
    return [r for p in points if p["curve"] == curve for r in p["rows"] if r["messages"] > 0]


def with_ceiling(rows, key):
    """msgs/s as a share of librdkafka alone (raw-produce / raw-consume, its fastest run under any of the
    settings tried) at the same point of the curve."""
    ceil = {}
    for r in rows:
        if r["contestant"] == report.CEILING[r["role"]] and r["ok"]:
            k = (r[key], r["role"])
            ceil[k] = max(ceil.get(k, 0), r["msgs_per_s"])
    for r in rows:
        c = ceil.get((r[key], r["role"]))
        r["vs_ceiling"] = r["msgs_per_s"] / c if c else None
    return rows


def name_of(r):
    return r["label"] + ("" if r["ok"] else " **(incomplete)**")


def order(key):
    return lambda r: (r[key], r["role"] != "produce", rank(r["contestant"]), r["consumer_props"])


def size_table(points):
    rows = with_ceiling(rows_of(points, "size"), "pad")
    if not rows:
        return ""
    records = {}
    for r in rows:  # the record a pad stands for: its mean size over the C++ and the Python runs
        records.setdefault(r["pad"], []).append(r["record"])
    out = ["| record (key + value) | contestant | messages | msgs/s | MB/s | CPU s / 1M msgs | CPU s / GB "
           "| peak RSS MB | msgs/s vs ceiling |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=order("pad")):
        rec = sum(records[r["pad"]]) / len(records[r["pad"]])
        cpu_gb = r["cpu_s"] / max(r["bytes"], 1) * 1e9
        out.append(f"| {rec:,.0f} B (pad {r['pad']:,}) | {name_of(r)} | {r['messages']:,} | {r['msgs_per_s']:,.0f} "
                   f"| {r['mb_per_s']:.1f} | {r['cpu_per_m']:.2f} | {cpu_gb:.1f} | {r['rss_mb']:.0f} "
                   f"| {report.fmt_ratio(r['vs_ceiling'], pct=True)} |")
    return "\n".join(out) + "\n"


def partition_table(points):
    rows = with_ceiling(rows_of(points, "partitions"), "partitions")
    if not rows:
        return ""
    out = ["| partitions | contestant | messages | msgs/s | MB/s | CPU s / 1M msgs | peak RSS MB | msgs/s vs ceiling |",
           "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=order("partitions")):
        out.append(f"| {r['partitions']} | {name_of(r)} | {r['messages']:,} | {r['msgs_per_s']:,.0f} | {r['mb_per_s']:.1f} "
                   f"| {r['cpu_per_m']:.2f} | {r['rss_mb']:.0f} | {report.fmt_ratio(r['vs_ceiling'], pct=True)} |")
    return "\n".join(out) + "\n"


def backlog_series(points):
    """{(contestant, consumer settings): {backlog: row}} for the consumers of the backlog points."""
    series = {}
    for r in rows_of(points, "backlog"):
        if r["role"] != "consume":
            continue
        series.setdefault((r["contestant"], r["consumer_props"]), {})[r["count"]] = r
    return series


def backlog_table(points):
    series = backlog_series(points)
    if not series:
        return "", []
    counts = sorted({c for s in series.values() for c in s})
    head = " | ".join(f"peak RSS MB, {c:,} backlog" for c in counts)
    speed = " / ".join(f"{c:,}" for c in counts)
    out = [f"| contestant | consumer settings | {head} | RSS ratio | within {FLAT:.0%} | msgs/s ({speed}) |",
           "|---|---|" + "---:|" * len(counts) + "---:|---|---:|"]
    verdicts = []
    for (name, props), by in sorted(series.items(), key=lambda kv: (rank(kv[0][0]), kv[0][1])):
        cells = " | ".join(f"{by[c]['rss_mb']:.0f}" if c in by else "–" for c in counts)
        first, last = by.get(counts[0]), by.get(counts[-1])
        ratio = last["rss_mb"] / first["rss_mb"] if first and last and len(counts) > 1 else None
        flat = None if ratio is None else abs(ratio - 1) <= FLAT
        rates = " / ".join(f"{by[c]['msgs_per_s']:,.0f}" if c in by else "–" for c in counts)
        ok = all(r["ok"] for r in by.values())
        settings = f"`{props}`" if props else "client defaults"
        out.append(f"| {name}{'' if ok else ' **(incomplete)**'} | {settings} | {cells} "
                   f"| {'–' if ratio is None else f'{ratio:.2f}'} | {'–' if flat is None else ('yes' if flat else '**no**')} | {rates} |")
        if ratio is not None:
            verdicts.append((name, props, ratio, flat))
    return "\n".join(out) + "\n", verdicts


def machine_line(points, extra):
    meta = points[0]["meta"] if points else {}
    loads = [f"{p['meta'].get('load_before', '?')}" for p in points]
    parts = [f"nproc {extra.get('nproc', meta.get('cpus', '?'))}",
             f"CPU {meta.get('cpu_model', '?')}",
             f"librdkafka {meta.get('librdkafka', '?')} (C++), {meta.get('python_librdkafka', '?')} (Python wheel)",
             f"producer: `{meta.get('producer_props', '')}`",
             f"build: {extra['build']}" if extra.get("build") else "",
             f"load average (1/5/15 min) before the points: {loads[0]} … {loads[-1]}" if loads else "",
             f"run took {int(extra['duration_s']) // 60} min {int(extra['duration_s']) % 60} s" if extra.get("duration_s") else "",
             meta.get("date", "")]
    return "; ".join(p for p in parts if p) + "."


def markdown(points, extra):
    size, parts = size_table(points), partition_table(points)
    backlog, verdicts = backlog_table(points)
    cmd = extra.get("command", "scripts/bench-scale.sh")
    out = ["# kavro scale and cost curves", "",
           f"Produced by `{cmd}`: every point is one `scripts/bench.sh` run (its own registry and topics) "
           "against one private Kafka broker; each contestant is its own process. msgs/s and MB/s count key + "
           "value bytes; CPU is user + system time of the whole client process (librdkafka's threads included); "
           "peak RSS is the process's maximum resident set. The Python pair runs at smaller counts in a point of "
           "its own. msgs/s vs ceiling compares with librdkafka alone (raw-produce, raw-consume) at the same setting, "
           "its fastest run. raw-consume reads with the prefetch settings kavro's consumer uses by default "
           "(with librdkafka 2.0.2: queued.min.messages=1000000, queued.max.messages.kbytes=16384), because 2.0.2 "
           "stops fetching a partition for up to a second whenever its prefetch queue reaches queued.min.messages "
           "(100,000 by default) or queued.max.messages.kbytes"
           + (f"; it also runs, marked *other settings*, with `{extra['ceiling_props']}`" if extra.get('ceiling_props') else "")
           + ".", "",
           "Machine: " + machine_line(points, extra), ""]
    if size:
        out += ["## Message size (3 partitions)", "", size]
    if parts:
        out += ["## Partitions (the Order record)", "", parts]
    if backlog:
        out += ["## Consumer memory over a backlog (the Order record, 3 partitions)", "",
                "Each topic is written in full (raw-produce) before the consumers start, so the whole backlog is "
                "waiting for them; each consumer reads all of it. *Client defaults* are the prefetch settings kavro's "
                "consumer uses by default, for both contestants (with librdkafka 2.0.2: queued.min.messages=1000000, "
                "queued.max.messages.kbytes=16384).", "", backlog]
        for name, props, ratio, flat in verdicts:
            how = f" with `{props}`" if props else ""
            out.append(f"- {name}{how}: largest/smallest backlog peak RSS {ratio:.2f}: "
                       f"{'flat within' if flat else 'NOT flat within'} {FLAT:.0%}.")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# ---- the chart ---------------------------------------------------------------------------------

# A run under other consumer settings than its contestant's own is dotted, each such variant with its own
# dot pattern and a darker shade of its family's colour, so two variants of one contestant stay apart.
DOTS = ["1.5,2.5", "1.5,6", "5,2,1.5,2"]
SHADES = ["#0b4f8a", "#5aa7e0", "#08306b"]


def variant_of(name):
    """0 for a contestant under its own settings, else 1 + the variant's index among all variants."""
    if "(" not in name:
        return 0
    if name not in VARIANTS:
        VARIANTS.append(name)
    return 1 + VARIANTS.index(name)


VARIANTS = []


def dash_of(name):
    """Producers solid, consumers dashed, a run under other settings than its contestant's own dotted."""
    v = variant_of(name)
    if v:
        return f' stroke-dasharray="{DOTS[(v - 1) % len(DOTS)]}"'
    return ' stroke-dasharray="5,3"' if "consume" in name else ""


def colour_of(name):
    v = variant_of(name)
    return SHADES[(v - 1) % len(SHADES)] if v and name.startswith("kavro") else report.colour_of(name)


def text_width(text, px=12):
    """A generous estimate of a sans-serif label's width, for layout (no font metrics here)."""
    return len(text) * px * 0.62


def nice(v):
    """The round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at or above v: a y axis top."""
    if v <= 0:
        return 1
    unit = 10 ** math.floor(math.log10(v))
    return next(m * unit for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * unit >= v)


def line_panel(x0, y0, w, h, title, xlabels, series, fmt):
    """One small chart: categorical x (evenly spaced), y from 0; series is [(contestant, [value|None])]."""
    out = [f'<text x="{x0}" y="{y0 - 8}" font-weight="bold">{html.escape(title)}</text>',
           f'<line x1="{x0}" y1="{y0 + h}" x2="{x0 + w}" y2="{y0 + h}" stroke="#333"/>',
           f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y0 + h}" stroke="#333"/>']
    values = [v for _, vs in series for v in vs if v is not None]
    if not values:
        return out + [f'<text x="{x0 + 10}" y="{y0 + h / 2}" fill="#777">not run</text>']
    vmax = nice(max(values) * 1.05)
    n = len(xlabels)
    xs = [x0 + w * (i + 0.5) / n for i in range(n)]
    for frac in (0.5, 1.0):
        y = y0 + h - frac * h
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{fmt(vmax * frac)}</text>')
    for x, label in zip(xs, xlabels):
        out.append(f'<text x="{x:.1f}" y="{y0 + h + 16}" text-anchor="middle">{html.escape(label)}</text>')
    for name, vs in series:
        pts = [(x, y0 + h - v / vmax * h) for x, v in zip(xs, vs) if v is not None]
        dash = dash_of(name)
        colour = colour_of(name)
        if len(pts) > 1:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="'
                       + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
        for x, y in pts:
            # Variants get hollow markers, so they read apart from the contestant's own line at a glance.
            fill = f'fill="white" stroke="{colour}" stroke-width="1.5"' if variant_of(name) else f'fill="{colour}"'
            shape = (f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" {fill}/>'
                     if name.startswith("kavro") else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" {fill}/>')
            out.append(shape)
    return out


def curve(rows, key, value):
    """x labels (sorted values of key) and one series per contestant."""
    xs = sorted({r[key] for r in rows})
    names = sorted({r["label"] for r in rows}, key=lambda n: (rank(n.split(" ")[0]), n))
    by = {(r["label"], r[key]): r for r in rows}
    return xs, [(n, [value(by[(n, x)]) if (n, x) in by else None for x in xs]) for n in names]


def svg(points, extra):
    size = rows_of(points, "size")
    parts = rows_of(points, "partitions")
    # Every consumer of the backlog points, the runs under other prefetch settings included: the
    # memory trade-off in docs/performance.md rests on them.
    backlog = [r for r in rows_of(points, "backlog") if r["role"] == "consume"]
    pw, ph, left, top, gap_x, gap_y = 360, 170, 70, 60, 90, 70
    width = left + 2 * pw + gap_x + 20
    # The legend flows over as many rows as its entries need (each as wide as its label).
    names = sorted({r["label"] for r in size + parts + backlog}, key=lambda n: (rank(n.split(" ")[0]), n))
    legend, x, row = [], 10, 0
    for n in names:
        w = 30 + text_width(n) + 20
        if x + w > width - 10 and x > 10:
            x, row = 10, row + 1
        legend.append((n, x, row))
        x += w
    legend_top = top + 2 * ph + gap_y + 44
    height = legend_top + (row + 1) * 18 + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="10" y="20" font-size="14" font-weight="bold">kavro scale and cost curves</text>']
    xs, series = curve(size, "pad", lambda r: r["mb_per_s"])
    records = {x: sum(r["record"] for r in size if r["pad"] == x) / max(1, sum(1 for r in size if r["pad"] == x)) for x in xs}
    size_labels = [f"{records[x]:,.0f} B" for x in xs]
    out += line_panel(left, top, pw, ph, "MB/s by record size (3 partitions)", size_labels, series, lambda v: f"{v:,.0f}")
    _, series = curve(size, "pad", lambda r: r["cpu_per_m"])
    out += line_panel(left + pw + gap_x, top, pw, ph, "CPU s per million messages by record size", size_labels, series,
                      lambda v: f"{v:,.1f}")
    xs, series = curve(parts, "partitions", lambda r: r["msgs_per_s"])
    out += line_panel(left, top + ph + gap_y, pw, ph, "messages/s by partitions (Order record)",
                      [f"{x} partition{'s' if x != 1 else ''}" for x in xs], series, lambda v: f"{v / 1e6:.1f} M")
    xs, series = curve(backlog, "count", lambda r: r["rss_mb"])
    out += line_panel(left + pw + gap_x, top + ph + gap_y, pw, ph, "consumer peak RSS MB by backlog",
                      [f"{x:,} msgs" for x in xs], series, lambda v: f"{v:,.0f}")
    for n, x, row in legend:
        yy = legend_top + row * 18
        out.append(f'<line x1="{x:.0f}" y1="{yy - 4}" x2="{x + 24:.0f}" y2="{yy - 4}" stroke="{colour_of(n)}" '
                   f'stroke-width="2"{dash_of(n)}/>')
        out.append(f'<text x="{x + 30:.0f}" y="{yy}">{html.escape(n)}</text>')
    meta = points[0]["meta"] if points else {}
    date = extra.get("date", meta.get("date", ""))
    librdkafka = extra.get("librdkafka", meta.get("librdkafka", ""))
    out.append(f'<text x="10" y="{height - 8}" fill="#555">{html.escape(date)} · nproc '
               f'{html.escape(str(extra.get("nproc", meta.get("cpus", ""))))} · librdkafka {html.escape(str(librdkafka))}'
               ' · grey: librdkafka alone, blue: kavro, red: Python; dashed: consumers; dotted, hollow markers: other consumer settings</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def replot_points(jsonl, extra):
    """The points of a recorded bench-scale.jsonl (each run tagged with its curve and settings)."""
    groups = {}
    for line in open(jsonl):
        if not line.strip().startswith("{"):
            continue
        r = json.loads(line)
        key = (r["curve"], r["count"], r["partitions"], r["pad"], r.get("consumer_props", ""))
        groups.setdefault(key, []).append(r)
    points = []
    for (curve_name, count, partitions, pad, props), runs in groups.items():
        meta = {"count": count, "partitions": partitions, "pad": pad, "consumer_props": props,
                "load_before": runs[0].get("load_before")}
        rows = report.derive(report.fastest([dict(r) for r in runs]))
        for r in rows:
            r.update(count=count, pad=pad, partitions=partitions, consumer_props=props,
                     record=r["bytes"] / max(r["messages"], 1))
            r["label"] = label(r, extra)
        points.append({"curve": curve_name, "dir": jsonl, "meta": meta, "runs": runs, "rows": rows})
    return points


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest", nargs="?")
    ap.add_argument("--out", required=True)
    ap.add_argument("--replot", help="redraw bench-scale.svg only, from this recorded bench-scale.jsonl")
    ap.add_argument("--set", action="append", default=[], help="key=value about the whole run")
    args = ap.parse_args()
    extra = dict(kv.partition("=")[::2] for kv in args.set)
    if args.replot:
        open(os.path.join(args.out, "bench-scale.svg"), "w").write(svg(replot_points(args.replot, extra), extra))
        return 0
    if not args.manifest:
        ap.error("a MANIFEST, or --replot JSONL")
    points = load(args.manifest, extra)
    if not points:
        print("scale_report: no points", file=sys.stderr)
        return 1
    with open(os.path.join(args.out, "bench-scale.jsonl"), "w") as f:
        for p in points:
            m = p["meta"]
            for r in p["runs"]:
                f.write(json.dumps(dict(r, curve=p["curve"], count=m["count"], partitions=m["partitions"], pad=m["pad"],
                                        consumer_props=m.get("consumer_props", ""), load_before=m.get("load_before"))) + "\n")
    md = markdown(points, extra)
    open(os.path.join(args.out, "bench-scale.md"), "w").write(md)
    open(os.path.join(args.out, "bench-scale.svg"), "w").write(svg(points, extra))
    print(md)
    return 0 if all(r["ok"] for p in points for r in p["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
