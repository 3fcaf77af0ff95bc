"""Table of bench/results/perf.jsonl: medians over repeats of one run (the newest, or the run id given)."""
import json, statistics, sys
from collections import defaultdict

rows = [json.loads(l) for l in open("bench/results/perf.jsonl") if l.strip()]
run = sys.argv[1] if len(sys.argv) > 1 else max(r["run"] for r in rows)
rows = [r for r in rows if r["run"] == run]
speed, rss = defaultdict(list), defaultdict(list)
for r in rows:
    speed[(r["variant"], r["size"])].append(r["images_per_second"])
    rss[(r["variant"], r["size"])].append(r["peak_rss_mib"])
med = {k: statistics.median(v) for k, v in speed.items()}
mrss = {k: statistics.median(v) for k, v in rss.items()}
sizes = sorted({k[1] for k in med})
print(f"run {run}, {rows[0]['cores']} cores ({rows[0]['cpu']}), batch {rows[0]['batch']}, medians of {max(len(v) for v in speed.values())} repeats\n")
print("| size | variant | images/s | peak RSS MiB |")
print("|---|---|---|---|")
for s in sizes:
    for v in ["decode", "ort-default", "ort-threads-cores", "extract", "extract-torch", "train", "torch-channels-last", "torch-contiguous"]:
        if (v, s) in med:
            print(f"| {s} | {v} | {med[(v, s)]:.1f} | {mrss[(v, s)]:.0f} |")
print()
print("| size | (b)/(a) default session | (b)/(a) session with cores threads | (c)/(d) channels_last | (c)/(d) best PyTorch layout | RSS (c) / RSS (d) channels_last |")
print("|---|---|---|---|---|---|")
for s in sizes:
    g = lambda v: med.get((v, s), float("nan"))
    best_torch = max(g("torch-channels-last"), g("torch-contiguous"))
    print(f"| {s} | {g('extract') / g('ort-default'):.2f} | {g('extract') / g('ort-threads-cores'):.2f} | {g('train') / g('torch-channels-last'):.2f} | "
          f"{g('train') / best_torch:.2f} | {mrss.get(('train', s), float('nan')) / mrss.get(('torch-channels-last', s), float('nan')):.2f} |")
