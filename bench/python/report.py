"""Turns the benchmark's JSON lines (one per contestant, from kavro-bench and bench_python.py) into a
Markdown table and an SVG chart. Standard library only, so it runs with any python3.

    python3 report.py results.jsonl --meta meta.json --markdown out.md --svg out.svg
"""
import argparse
import html
import json
import sys

CEILING = {"produce": "raw-produce", "consume": "raw-consume"}


def python_peer(row):
    """The Python contestant a row is compared with: same role, and the SQLite one for SQLite sinks."""
    if row["role"] == "produce":
        return "python-produce"
    return "python-consume-sqlite" if "sqlite" in row["contestant"] else "python-consume"


def fastest(rows):
    """With --repeat, each contestant's fastest run stands for it (the least disturbed by other load);
    a run that did not move every message always stands, so a failure is never hidden."""
    best = {}
    for r in rows:
        b = best.get(r["contestant"])
        speed = r["messages"] / max(r["seconds"], 1e-9)
        if b is None or (not r["ok"] and b["ok"]) or (r["ok"] == b["ok"] and speed > b["messages"] / max(b["seconds"], 1e-9)):
            best[r["contestant"]] = r
    return list(best.values())


def derive(rows):
    by_name = {r["contestant"]: r for r in rows}
    for r in rows:
        secs = max(r["seconds"], 1e-9)
        n = max(r["messages"], 1)
        r["msgs_per_s"] = r["messages"] / secs
        r["mb_per_s"] = r["bytes"] / secs / 1e6
        r["cpu_s"] = r["cpu_user"] + r["cpu_sys"]
        r["cpu_per_m"] = r["cpu_s"] / n * 1e6
        r["rss_mb"] = r["max_rss_kb"] / 1024
    for r in rows:
        ceil = by_name.get(CEILING[r["role"]])
        py = by_name.get(python_peer(r))
        r["vs_ceiling"] = r["msgs_per_s"] / ceil["msgs_per_s"] if ceil and ceil["msgs_per_s"] else None
        r["vs_python"] = r["msgs_per_s"] / py["msgs_per_s"] if py and py["msgs_per_s"] else None
        r["cpu_vs_python"] = r["cpu_per_m"] / py["cpu_per_m"] if py and py["cpu_per_m"] else None
        r["python_peer"] = python_peer(r) if py else None
        jv = by_name.get("java-" + r["role"])  # the Java stack (bench/java): one contestant per role
        r["vs_java"] = r["msgs_per_s"] / jv["msgs_per_s"] if jv and jv["msgs_per_s"] else None
        r["cpu_vs_java"] = r["cpu_per_m"] / jv["cpu_per_m"] if jv and jv["cpu_per_m"] else None
    return rows


def fmt_ratio(x, pct=False):
    if x is None:
        return "–"
    return f"{x * 100:.0f}%" if pct else (f"{x:.2f}×" if x < 10 else f"{x:.1f}×")


def markdown(rows, meta):
    out = []
    out.append("| contestant | what | messages/s | MB/s | CPU s / 1M msgs | peak RSS MB "
               "| msgs/s vs ceiling | msgs/s vs Python | CPU/msg vs Python | msgs/s vs Java | CPU/msg vs Java |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for role in ("produce", "consume"):
        for r in (x for x in rows if x["role"] == role):
            name = r["contestant"] + ("" if r["ok"] else " **(incomplete)**")
            out.append(
                f"| {name} | {r.get('what', '')} | {r['msgs_per_s']:,.0f} | {r['mb_per_s']:.1f} | {r['cpu_per_m']:.2f} "
                f"| {r['rss_mb']:.0f} | {fmt_ratio(r['vs_ceiling'], pct=True)} | {fmt_ratio(r['vs_python'])} "
                f"| {fmt_ratio(r['cpu_vs_python'], pct=True)} "
                f"| {fmt_ratio(r.get('vs_java'))} | {fmt_ratio(r.get('cpu_vs_java'), pct=True)} |")
    notes = [r for r in rows if r.get("note")]
    lines = ["\n".join(out), ""]
    if meta:
        lines.append(meta_line(meta))
    for r in notes:
        lines.append(f"- `{r['contestant']}`: {r['note']}")
    return "\n".join(lines).rstrip() + "\n"


def meta_line(meta):
    parts = [f"{meta.get('count', '?'):,} messages" if isinstance(meta.get('count'), int) else "",
             f"{meta.get('partitions', '?')} partition(s)",
             f"payload pad {meta.get('pad', 0)} B",
             f"best of {meta.get('repeat', 1)} run(s) each",
             f"producer: `{meta.get('producer_props', '')}`",
             "consumer: kavro's prefetch settings (C++), confluent-kafka's defaults (Python)"
             + (f", plus `{meta['consumer_props']}`" if meta.get('consumer_props') else ""),
             f"{meta.get('cpus', '?')} CPUs ({meta.get('cpu_model', '?')})",
             f"load average before/after: {meta.get('load_before', '?')} / {meta.get('load_after', '?')}",
             f"librdkafka {meta.get('librdkafka', '?')} (C++), {meta.get('python_librdkafka', '?')} (Python wheel)",
             meta.get("date", "")]
    return "Run: " + "; ".join(p for p in parts if p) + "."


# One colour per family in every chart: librdkafka alone, kavro, the Python stack.
COLOURS = {"raw": "#7f7f7f", "kavro": "#1f77b4", "python": "#d62728", "java": "#ff7f0e"}


def colour_of(contestant):
    return next((c for k, c in COLOURS.items() if contestant.startswith(k)), COLOURS["kavro"])


def svg(rows, meta):
    """Two horizontal bar charts side by side: messages/s and CPU seconds per million messages."""
    rows = [r for r in rows if r["messages"] > 0]
    bar_h, gap, panel_w, top = 18, 6, 330, 48
    # The name column is as wide as its longest label (a generous estimate: no font metrics here), so
    # no name is cut off at the left edge.
    longest = max((len(f'{r["contestant"]} ({r["role"]})') for r in rows), default=10)
    left = max(250, int(10 + longest * 12 * 0.62 + 8))
    height = top + len(rows) * (bar_h + gap) + 40
    width = left + 2 * panel_w + 60
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="18" font-size="14" font-weight="bold">kavro end-to-end benchmark: '
           f'{html.escape(str(meta.get("count", "")))} messages, {html.escape(str(meta.get("partitions", "")))} '
           f'partition(s)</text>']
    panels = [("messages/s (higher is better)", "msgs_per_s", lambda v: f"{v:,.0f}"),
              ("CPU s per million messages (lower is better)", "cpu_per_m", lambda v: f"{v:.2f}")]
    for p, (title, key, label) in enumerate(panels):
        x0 = left + p * (panel_w + 30)
        vmax = max((r[key] for r in rows), default=1) or 1
        out.append(f'<text x="{x0}" y="{top - 10}" font-weight="bold">{html.escape(title)}</text>')
        for i, r in enumerate(rows):
            y = top + i * (bar_h + gap)
            w = max(1.0, r[key] / vmax * (panel_w - 70))
            out.append(f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour_of(r["contestant"])}"/>')
            out.append(f'<text x="{x0 + w + 4:.1f}" y="{y + bar_h - 5}">{label(r[key])}</text>')
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        out.append(f'<text x="{left - 8}" y="{y + bar_h - 5}" text-anchor="end">'
                   f'{html.escape(r["contestant"])} ({r["role"]})</text>')
    out.append(f'<text x="10" y="{height - 12}" fill="#555">{html.escape(meta.get("date", ""))} · '
               f'{html.escape(str(meta.get("cpus", "")))} CPUs · load {html.escape(str(meta.get("load_before", "")))}'
               f' · grey: librdkafka alone, blue: kavro, red: Python confluent-kafka</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--meta")
    ap.add_argument("--what", help="TSV of contestant<TAB>role<TAB>description")
    ap.add_argument("--markdown")
    ap.add_argument("--svg")
    args = ap.parse_args()
    rows = [json.loads(line) for line in open(args.results) if line.strip().startswith("{")]
    if not rows:
        print("report: no results", file=sys.stderr)
        return 1
    meta = json.load(open(args.meta)) if args.meta else {}
    if args.what:
        what = {}
        for line in open(args.what):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                what[parts[0]] = parts[2]
        for r in rows:
            r["what"] = what.get(r["contestant"], "")
    rows = derive(fastest(rows))
    md = markdown(rows, meta)
    print(md)
    if args.markdown:
        open(args.markdown, "w").write(md)
    if args.svg:
        open(args.svg, "w").write(svg(rows, meta))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
