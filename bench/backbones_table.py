#!/usr/bin/env python3
"""Markdown tables of bench/results/backbones.jsonl (bench/backbones.sh): parity, strategies, frozen pass.

Usage: backbones_table.py [RESULTS [PERF_RESULTS]]   (the last line of each kind per file and strategy counts; the
frozen-pass speeds are the medians of every round in PERF_RESULTS, default RESULTS)
"""
import statistics
import json
import os
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "bench/results/backbones.jsonl"
perf_path = sys.argv[2] if len(sys.argv) > 2 else path
speeds = {}
for line in open(perf_path):
    r = json.loads(line)
    if r["kind"] in ("ort", "extract") and "images_per_second" in r:
        speeds.setdefault((os.path.basename(r["file"]), r["kind"]), []).append(r["images_per_second"])
last = {}
for line in open(path):
    r = json.loads(line)
    key = (os.path.basename(r["file"]), r["kind"], r.get("strategy"))
    last[key] = r
files = sorted({k[0] for k in last}, key=lambda f: list(k[0] for k in last).index(f))

print("| network | parity at export size | at 64 px | any size | features | groups (output stride) | BatchNorm |")
print("|---|---|---|---|---|---|---|")
for f in files:
    c = last.get((f, "check", None))
    if not c or "sizes" not in c:
        print(f"| {f} | error | | | | | |")
        continue
    s = {p["size"]: p for p in c["sizes"]}
    cells = []
    for size in (max(s), 64):
        p = s.get(size)
        cells.append(f"{p['max_abs_diff']:.1e} of {p['output_max_abs']:.2g} ({'pass' if p['passed'] else 'FAIL'})"
                     if p else "-")
    groups = ", ".join(f"{g['name']} {g['output_stride']}" for g in c["groups"])
    print(f"| {f} | {cells[0]} | {cells[1]} | {'yes' if c['any_size'] else 'no'} | {c['feature_width']} "
          f"({c['classifier']}) | {groups} | {c.get('batch_norms', '?')} |")

strategies = []
for k in last:
    if k[1] == "fit" and k[2] not in strategies:
        strategies.append(k[2])
print()
print("| network | " + " | ".join(strategies) + " |")
print("|---|" + "---|" * len(strategies))
for f in files:
    cells = []
    for st in strategies:
        r = last.get((f, "fit", st))
        if r is None:
            cells.append("")
        elif r["exit"] != 0:
            cells.append("refused: no BatchNorm" if "no BatchNorm" in " ".join(r.get("error", [])) else
                         f"exit {r['exit']}")
        else:
            chosen = f" ({r['chosen']})" if st == "auto" else ""
            cells.append(f"{r['test_accuracy']:.3f}{chosen}, {r['seconds']:.0f} s")
    print(f"| {f} | " + " | ".join(cells) + " |")

print()
print("| network | raw ONNX Runtime, images/s | our frozen pass (PNG decode included), images/s | ratio of medians |")
print("|---|---|---|---|")
for f in files:
    o, e = speeds.get((f, "ort")), speeds.get((f, "extract"))
    if not o or not e:
        continue
    rounds = lambda xs: " / ".join(f"{x:.1f}" for x in xs)
    print(f"| {f} | {statistics.median(o):.1f} ({rounds(o)}) | {statistics.median(e):.1f} ({rounds(e)}) | "
          f"{statistics.median(e) / statistics.median(o):.2f} |")
