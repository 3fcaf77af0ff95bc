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
print(f"run {run}, {rows[0]['cores']} cores ({rows[0]['cpu']}), batch {rows[0]['batch']}, "
      f"medians of {max(len(v) for v in speed.values())} repeats\n")
print("| size | variant | images/s | peak RSS MiB |")
print("|---|---|---|---|")
for s in sizes:
    for v in ["decode", "ort-default", "ort-threads-cores", "extract", "extract-glibc", "extract-torch", "train",
              "train-glibc", "torch-channels-last", "torch-channels-last-tcmalloc", "torch-contiguous"]:
        if (v, s) in med:
            print(f"| {s} | {v} | {med[(v, s)]:.1f} | {mrss[(v, s)]:.0f} |")
print()
# Ratios per repeat (the two sides of a ratio ran minutes apart in the same repeat): the machine's speed drifts, so
# the median of paired ratios, with its range, is the figure to read.
by_repeat = defaultdict(dict)
for r in rows:
    by_repeat[(r.get("repeat", 0), r["size"])][r["variant"]] = r
def paired(size, num, den, key="images_per_second"):
    vals = sorted(v[num][key] / v[den][key] for (rep, s), v in by_repeat.items() if s == size and num in v and den in v)
    return (statistics.median(vals), vals[0], vals[-1], len(vals)) if vals else None
print("Paired ratios (median [min-max] over repeats):\n")
print("| size | (b)/(a) default session | (b)/(a) session with cores threads | (c)/(d) channels_last | "
      "(c)/(d) contiguous | peak RSS (c)/(d) channels_last |")
print("|---|---|---|---|---|---|")
fmt = lambda t: "-" if t is None else f"{t[0]:.2f} [{t[1]:.2f}-{t[2]:.2f}]"
for s in sizes:
    print(f"| {s} | {fmt(paired(s, 'extract', 'ort-default'))} | {fmt(paired(s, 'extract', 'ort-threads-cores'))} | "
          f"{fmt(paired(s, 'train', 'torch-channels-last'))} | "
          f"{fmt(paired(s, 'train', 'torch-contiguous'))} | "
          f"{fmt(paired(s, 'train', 'torch-channels-last', 'peak_rss_mib'))} |")
if any(v == "train-glibc" for (v, _) in med):
    print("\nThe allocator's share (paired, median [min-max]):\n")
    print("| size | (c) tcmalloc / (c) glibc speed | peak RSS (c) glibc / (d) | (c)/(d) both under tcmalloc | "
          "peak RSS (c)/(d) both under tcmalloc | (b) tcmalloc / (b) glibc |")
    print("|---|---|---|---|---|---|")
    for s in sizes:
        print(f"| {s} | {fmt(paired(s, 'train', 'train-glibc'))} | "
              f"{fmt(paired(s, 'train-glibc', 'torch-channels-last', 'peak_rss_mib'))} | "
              f"{fmt(paired(s, 'train', 'torch-channels-last-tcmalloc'))} | "
              f"{fmt(paired(s, 'train', 'torch-channels-last-tcmalloc', 'peak_rss_mib'))} | "
              f"{fmt(paired(s, 'extract', 'extract-glibc'))} |")
print()
print("| size | (b)/(a) default session | (b)/(a) session with cores threads | (c)/(d) channels_last | "
      "(c)/(d) best PyTorch layout | RSS (c) / RSS (d) channels_last |")
print("|---|---|---|---|---|---|")
for s in sizes:
    g = lambda v: med.get((v, s), float("nan"))
    best_torch = max(g("torch-channels-last"), g("torch-contiguous"))
    print(f"| {s} | {g('extract') / g('ort-default'):.2f} | {g('extract') / g('ort-threads-cores'):.2f} | "
          f"{g('train') / g('torch-channels-last'):.2f} | "
          f"{g('train') / best_torch:.2f} | "
          f"{mrss.get(('train', s), float('nan')) / mrss.get(('torch-channels-last', s), float('nan')):.2f} |")
