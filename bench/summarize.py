#!/usr/bin/env python3
"""Summarizes simdpool_bench's JSON (google-benchmark --benchmark_format=json) into a table per workload and a
PNG chart. Python 3 standard library only; the chart needs gnuplot (Debian: gnuplot-nox).

For each workload, layout and thread count: the best simdpool variant (lowest median time among the simdpool
ISA rows), the kernel it ran, its median time, effective GB/s and % of the bandwidth floor, and its speedup
over naive, simdpool scalar, oneDNN (plain and blocked) and XNNPACK = median time of the other row / median
time of the best simdpool row, both from the same run (> 1: simdpool is faster); for NCHW rows, the same ratio
against the fastest oneDNN/XNNPACK NHWC row; and whether the row meets issue #4's goal (goal_verdict). The naive loops are single-
threaded, so x naive at n threads compares with naive at 1 thread.

usage: summarize.py results.json [--markdown out.md] [--png out.png]
"""
import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
from collections import OrderedDict, defaultdict

SIMDPOOL_IMPLS = ["scalar", "avx2", "avx512", "neon"]
LEVELS = {1: "L1", 2: "L2", 3: "L3", 4: "DRAM"}
TO_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}


def parse_name(run_name):
    """'<workload>/<layout>/<impl>/threads:<n>[/...]' -> (workload, layout, impl, n) or None."""
    parts = run_name.split("/")
    if len(parts) < 4 or not parts[3].startswith("threads:"):
        return None
    return parts[0], parts[1], parts[2], int(parts[3].split(":")[1])


class Row:
    def __init__(self):
        self.times = []        # per-repetition real times (us), when reported
        self.median = None     # median real time (us)
        self.cv = None         # coefficient of variation of the real time
        self.counters = {}
        self.label = ""
        self.error = None


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = defaultdict(Row)
    for b in data.get("benchmarks", []):
        key = parse_name(b.get("run_name", b.get("name", "")))
        if key is None:
            continue
        r = rows[key]
        if b.get("error_occurred"):
            r.error = b.get("error_message", "error")
            continue
        t = b.get("real_time", 0.0) * TO_US.get(b.get("time_unit", "ns"), 1e-3)
        if b.get("run_type") == "aggregate":
            agg = b.get("aggregate_name")
            if agg == "median":
                r.median = t
                r.label = b.get("label", r.label)
                r.counters = {k: v for k, v in b.items() if k in ("bytes", "level", "floor_GB/s")}
            elif agg == "cv":
                r.cv = b.get("real_time")
        else:
            r.times.append(t)
            r.label = b.get("label", r.label)
            if not r.counters:
                r.counters = {k: v for k, v in b.items() if k in ("bytes", "level", "floor_GB/s")}
    for r in rows.values():
        if r.median is None and r.times:
            r.median = statistics.median(r.times)
            if len(r.times) > 1 and r.median > 0:
                r.cv = statistics.pstdev(r.times) / statistics.mean(r.times)
        if r.median is not None:
            r.error = None  # timed: an error seen in some repetition would have stopped it
    return data.get("context", {}), rows


def fmt_ratio(r):
    if r is None:
        return "—"
    if isinstance(r, str):
        return r
    return f"{r:.2f}" if r < 10 else (f"{r:.1f}" if r < 100 else f"{r:.0f}")


def fmt_num(v, digits=3):
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def summarize(context, rows):
    order = [w for w in context.get("workload_order", "").split(",") if w]
    for (w, _, _, _) in rows:
        if w not in order:
            order.append(w)
    groups = OrderedDict()
    for w in order:
        for layout in ("nchw", "nhwc"):
            threads = sorted({t for (ww, l, _, t) in rows if ww == w and l == layout})
            for t in threads:
                groups[(w, layout, t)] = None
    lines = []
    mismatches = []
    for (w, layout, t) in groups:
        def get(impl, threads=t):
            return rows.get((w, layout, impl, threads))

        candidates = [(impl, get(impl)) for impl in SIMDPOOL_IMPLS]
        timed = [(impl, r) for impl, r in candidates if r is not None and r.median]
        for impl in SIMDPOOL_IMPLS + ["naive", "onednn", "onednn_blocked", "xnnpack"]:
            r = get(impl)
            if r is not None and r.error and not r.error.startswith("skipped"):
                mismatches.append(f"{w}/{layout}/{impl}/threads:{t}: {r.error}")
        if not timed:
            lines.append(dict(workload=w, layout=layout, threads=t, best=None))
            continue
        best_impl, best = min(timed, key=lambda x: x[1].median)
        nbytes = best.counters.get("bytes", 0.0)
        gbps = nbytes / (best.median * 1e3) if best.median else None  # bytes / us -> GB/s: / 1e3
        floor = best.counters.get("floor_GB/s")
        pct = 100.0 * gbps / floor if gbps and floor else None

        def speedup(impl, threads=t):
            r = get(impl, threads)
            if r is None:
                return None
            if r.median is None:
                return "err" if r.error and not r.error.startswith("skipped") else None
            return r.median / best.median

        def other_nhwc():
            """NCHW rows: the fastest oneDNN / XNNPACK NHWC time over ours (issue #4: NCHW no slower than it)."""
            if layout != "nchw":
                return None
            times = [r.median for r in (rows.get((w, "nhwc", impl, t)) for impl in ("onednn", "xnnpack"))
                     if r is not None and r.median]
            return min(times) / best.median if times else None

        line = dict(workload=w, layout=layout, threads=t, best=best_impl, kernel=best.label,
                    time=best.median, cv=best.cv, gbps=gbps, pct=pct,
                    level=LEVELS.get(int(best.counters.get("level", 0)), "?"),
                    naive=speedup("naive", 1), scalar=speedup("scalar"), onednn=speedup("onednn"),
                    onednn_blocked=speedup("onednn_blocked"), xnnpack=speedup("xnnpack"), vs_nhwc=other_nhwc())
        line["goal"] = goal_verdict(line)
        lines.append(line)
    return lines, sorted(set(mismatches))


GOAL_FLOOR_PCT, GOAL_SPEEDUP = 80.0, 1.3


def goal_verdict(line):
    """Issue #4's goal for one row: >= 80% of the floor; >= 1.3x the best of oneDNN and XNNPACK in the same
    layout; in NCHW also no slower than their best NHWC. "met", or the parts missed."""
    missed = []
    if line.get("pct") is None or line["pct"] < GOAL_FLOOR_PCT:
        missed.append("floor")
    same = [v for v in (line.get("onednn"), line.get("xnnpack")) if isinstance(v, float)]
    if same and min(same) < GOAL_SPEEDUP:
        missed.append("1.3×")
    if isinstance(line.get("vs_nhwc"), float) and line["vs_nhwc"] < 1.0:
        missed.append("≥NHWC")
    verdict = "met" if not missed else "missed: " + ", ".join(missed)
    return verdict if same else verdict + " (no other library)"


COLUMNS = [("layout", "layout"), ("thr", "threads"), ("best", "best"), ("kernel", "kernel"), ("µs", "time"),
           ("cv%", "cv"), ("GB/s", "gbps"), ("%floor", "pct"), ("lvl", "level"), ("×naive", "naive"),
           ("×scalar", "scalar"), ("×oneDNN", "onednn"), ("×oneDNN-blk", "onednn_blocked"),
           ("×XNNPACK", "xnnpack"), ("×their NHWC", "vs_nhwc"), ("goal", "goal")]


def cell(line, key):
    if line.get("best") is None and key not in ("layout", "threads", "workload"):
        return "no timed simdpool row" if key == "best" else ""
    v = line.get(key)
    if key in ("naive", "scalar", "onednn", "onednn_blocked", "xnnpack", "vs_nhwc"):
        return fmt_ratio(v)
    if key == "time":
        return fmt_num(v, 4)
    if key == "gbps":
        return fmt_num(v, 3)
    if key == "pct":
        return "—" if v is None else f"{v:.0f}%" if v >= 10 else f"{v:.1f}%"
    if key == "cv":
        return "—" if v is None else f"{100 * v:.0f}"
    return str(v) if v is not None else "—"


def busy_warning(context):
    """A warning when other processes competed for the cores during the run, else ""."""
    load, after = context.get("load_avg", []), context.get("load_after")
    try:
        cpus = int(context.get("num_cpus", 0))
        values = [float(x) for x in load[:1]] + ([float(after.split()[0])] if after else [])
        busiest = max(values) if values else 0.0
    except (ValueError, TypeError, IndexError):
        return ""
    if cpus and busiest > 0.5 * cpus:
        return (f"WARNING: the machine was busy (load average up to {busiest:.1f} on {cpus} CPUs): other processes "
                "competed for the cores, multi-threaded rows most of all; re-run on a quiet machine for numbers "
                "to quote.")
    return ""


def bandwidth_lines(context):
    """The measured bandwidth per thread count: '  threads:1  L1 212/234/117  L2 ...'."""
    lines = []
    for t in context.get("thread_counts", "1").split(","):
        parts = []
        for lvl in ("L1", "L2", "L3", "DRAM"):
            v = context.get(f"bandwidth_{lvl}_threads_{t}")
            if v:
                nums = v.split()  # "read R copy C write W GB/s, footprint F bytes"
                parts.append(f"{lvl} {float(nums[1]):.0f}/{float(nums[3]):.0f}/{float(nums[5]):.0f}")
        if parts:
            lines.append(f"  threads:{t}  " + "  ".join(parts))
    return lines


def header_lines(context):
    out = []
    out.append(f"CPU: {context.get('cpu_model', '?')} ({context.get('num_cpus', '?')} logical CPUs, "
               f"{context.get('mhz_per_cpu', '?')} MHz), simdpool best ISA: {context.get('simdpool_cpu_isa', '?')}")
    load = context.get("load_avg", [])
    after = context.get("load_after")
    out.append(f"date: {context.get('date', '?')}; load average at start: "
               f"{', '.join(f'{x:.2f}' for x in load) or '?'}" + (f"; at the end: {after}" if after else ""))
    warning = busy_warning(context)
    if warning:
        out.append(warning)
    out.append(f"oneDNN: {context.get('onednn', '?')}; XNNPACK: {context.get('xnnpack', '?')}")
    env = " ".join(f"{k}={context.get(k, '?')}" for k in
                   ("OMP_PROC_BIND", "OMP_PLACES", "OMP_WAIT_POLICY", "OMP_NUM_THREADS"))
    out.append(f"threads: {context.get('thread_counts', '?')}; {env}")
    bw = bandwidth_lines(context)
    if bw:
        out.append("measured bandwidth GB/s (read/copy/write):")
        out.extend(bw)
    return out


def goal_tally(lines):
    """One line: in how many rows with another library to compare with the goal is met."""
    rows = [l for l in lines if l.get("goal") and "no other library" not in l["goal"]]
    met = [l for l in rows if l["goal"] == "met"]
    return f"goal met in {len(met)} of {len(rows)} rows that another library runs" if rows else ""


def op_notes(context, lines):
    """Notes on rows of the rest of the op set (fractional, unpool, spp, roi) present in `lines`."""
    shapes = {context.get(f"workload {l['workload']}", "") for l in lines}
    notes = []
    if any(" fractional " in s or " unpool " in s or " spp " in s or " roi_" in s for s in shapes):
        notes.append("fractional, unpool, spp and roi rows: oneDNN and XNNPACK have no such ops (—); a scalar/... "
                     "kernel in an avx2/avx512 row: that ISA has no kernel of its own for the op (it fell back).")
    if any(" spp " in s for s in shapes):
        notes.append("spp forward rows show the adaptive pooling kernel its levels run (first level's name).")
    if any(" roi_" in s for s in shapes):
        notes.append("roi rows: bytes = the whole feature map once + per box its 5 floats and its output block "
                     "(backward: dy block, + argmax for roi_pool, and all of dx) — the cost model's one-box terms "
                     "× boxes (docs/ops.md, \"Cost model\").")
    return notes


def render_text(context, lines, mismatches):
    out = header_lines(context)
    out.append("")
    widths = {}
    for title, key in COLUMNS:
        widths[key] = max([len(title)] + [len(cell(l, key)) for l in lines])
    current = None
    for l in lines:
        if l["workload"] != current:
            current = l["workload"]
            shape = context.get(f"workload {current}", "")
            out.append("")
            out.append(f"{current}  ({shape})" if shape else current)
            out.append(("  " + "  ".join(t.rjust(widths[k]) if k not in ("best", "kernel", "layout", "goal") else
                                        t.ljust(widths[k]) for t, k in COLUMNS)).rstrip())
        out.append(("  " + "  ".join(cell(l, k).rjust(widths[k]) if k not in ("best", "kernel", "layout", "goal") else
                                    cell(l, k).ljust(widths[k]) for _, k in COLUMNS)).rstrip())
    out.append("")
    out.append("× = median time of that row / median time of the best simdpool row, same run (> 1: simdpool faster);")
    out.append("    ×naive compares with the single-threaded naive loops; — = no such row (library absent or")
    out.append("    layout/op not supported), err = that row failed or differs from the naive loops.")
    out.append("%floor = effective GB/s / measured bandwidth at the cache level (lvl) of the working set.")
    out.append("×their NHWC (NCHW rows) = the fastest oneDNN/XNNPACK NHWC row / simdpool's NCHW row. goal (issue #4):")
    out.append("    >= 80% of the floor, >= 1.3× oneDNN and XNNPACK in the same layout, and NCHW no slower than their NHWC.")
    if goal_tally(lines):
        out.append("    " + goal_tally(lines) + ".")
    out.extend(op_notes(context, lines))
    if mismatches:
        out.append("")
        out.append("ROWS NOT TIMED (mismatch with the naive loops, or set-up failure):")
        out.extend("  " + m for m in mismatches)
    return "\n".join(out)


def render_markdown(context, lines, mismatches):
    out = []
    out.append("Measured on " + context.get("cpu_model", "?") + f" ({context.get('num_cpus', '?')} logical CPUs), "
               + context.get("date", "?") + f"; simdpool best ISA: {context.get('simdpool_cpu_isa', '?')}; "
               f"oneDNN {context.get('onednn', '?')}; XNNPACK {context.get('xnnpack', '?')}; load average at "
               f"start {', '.join(f'{x:.2f}' for x in context.get('load_avg', [])) or '?'}"
               + (f", at the end {context['load_after']}" if context.get("load_after") else "") + ".")
    bw = bandwidth_lines(context)
    if bw:
        out.append("")
        out.append("Measured bandwidth, GB/s read / copy / write: " + "; ".join(b.strip() for b in bw) + ".")
    warning = busy_warning(context)
    if warning:
        out.append("")
        out.append("**" + warning + "**")
    out.append("")
    out.append("| workload | " + " | ".join(t for t, _ in COLUMNS) + " |")
    out.append("|---|" + "|".join("---" if k in ("layout", "best", "kernel", "level", "goal") else "--:"
                                  for _, k in COLUMNS) + "|")
    current = None
    for l in lines:
        name = ""
        if l["workload"] != current:
            current = l["workload"]
            shape = context.get(f"workload {current}", "")
            name = f"`{current}`" + (f"<br>{shape}" if shape else "")
        out.append(f"| {name} | " + " | ".join(cell(l, k).replace("|", "/") for _, k in COLUMNS) + " |")
    if goal_tally(lines):
        out.append("")
        out.append("Goal (issue #4): ≥ 80% of the floor, ≥ 1.3× oneDNN and XNNPACK in the same layout, and NCHW no "
                   "slower than their NHWC; " + goal_tally(lines) + ".")
    notes = op_notes(context, lines)
    if notes:
        out.append("")
        out.extend(notes)
    if mismatches:
        out.append("")
        out.append("Rows not timed (mismatch with the naive loops, or set-up failure):")
        out.append("")
        out.extend(f"- `{m}`" for m in mismatches)
    return "\n".join(out) + "\n"


def render_png(context, lines, png):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("note: gnuplot not found (Debian: gnuplot-nox): no chart", file=sys.stderr)
        return False
    threads = [int(t) for t in context.get("thread_counts", "1").split(",") if t]
    t_all = max(threads)
    by = {(l["workload"], l["layout"], l["threads"]): l for l in lines}
    cats = OrderedDict()
    for l in lines:
        cats[(l["workload"], l["layout"])] = None
    base = os.path.splitext(png)[0]
    dat = base + ".dat"

    def num(v):
        return f"{v:.4g}" if isinstance(v, (int, float)) and v and math.isfinite(v) else "-"

    with open(dat, "w") as f:
        f.write("# category  x_naive x_scalar x_onednn x_onednn_blocked x_xnnpack (1 thread)  "
                "pct_floor_1thread pct_floor_all_threads\n")
        for (w, layout) in cats:
            one = by.get((w, layout, 1), {})
            alln = by.get((w, layout, t_all), {})
            vals = [one.get("naive"), one.get("scalar"), one.get("onednn"), one.get("onednn_blocked"),
                    one.get("xnnpack"), one.get("pct"), alln.get("pct") if t_all != 1 else None]
            f.write(f"\"{w} {layout}\" " + " ".join(num(v) for v in vals) + "\n")
    title = f"simdpool on {context.get('cpu_model', '?')}, {context.get('date', '')[:10]}"
    script = f"""
set terminal pngcairo noenhanced size 1800,1200 font ",10"
set output "{png}"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set xtics rotate by 50 right
set multiplot layout 2,1 title "{title}"
set title "speedup of the best simdpool variant, 1 thread (log scale; > 1 = simdpool faster)"
set logscale y
set ylabel "speedup ×"
plot "{dat}" using 2:xtic(1) title "vs naive", '' using 3 title "vs scalar", '' using 4 title "vs oneDNN", \\
     '' using 5 title "vs oneDNN blocked", '' using 6 title "vs XNNPACK", 1 with lines lc rgb "black" notitle
unset logscale y
set title "best simdpool variant: % of the measured bandwidth floor (its cache level)"
set ylabel "% of floor"
set yrange [0:*]
plot "{dat}" using 7:xtic(1) title "1 thread", '' using 8 title "{t_all} threads"
unset multiplot
"""
    gp = base + ".gp"
    with open(gp, "w") as f:
        f.write(script)
    r = subprocess.run([gnuplot, gp], capture_output=True, text=True)
    if r.returncode != 0:
        print("note: gnuplot failed: " + r.stderr.strip(), file=sys.stderr)
        return False
    return True


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    ap =  argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json")
    ap.add_argument("--markdown", help="also write the table as Markdown")
    ap.add_argument("--png", help="render the chart (gnuplot)")
    ap.add_argument("--load-after", help="load average when the run ended (e.g. from /proc/loadavg)")
    args = ap.parse_args()
    context, rows = load(args.json)
    if args.load_after:
        context["load_after"] = args.load_after
    if not rows:
        print(f"{args.json}: no benchmark rows", file=sys.stderr)
        return 1
    lines, mismatches = summarize(context, rows)
    print(render_text(context, lines, mismatches))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(render_markdown(context, lines, mismatches))
    if args.png and render_png(context, lines, args.png):
        print(f"\nchart: {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
