"""Tables of bench/decode.sh's results: images per second by build and round, and the paired ratios.

Usage: /usr/bin/python3 bench/decode_table.py [bench/results/decode.jsonl]
"""
import collections
import json
import statistics
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "bench/results/decode.jsonl"
rows = [json.loads(line) for line in open(path)]
runs = collections.defaultdict(dict)  # (network, size, what) -> {round: images/s}
for row in rows:
    network = row["backbone"].split("/")[-1]
    what = row["mode"] if row["mode"] != "ort" else f"raw ORT, threads {row.get('ort_threads')}"
    if row["mode"] != "ort":
        what = f"{row['mode']} ({row['build']})"
    runs[(network, row["size"], what)][row["round"]] = row["images_per_second"]


def cell(values):
    ordered = [values[r] for r in sorted(values)]
    return f"{statistics.median(ordered):.1f} ({' / '.join(f'{v:.1f}' for v in ordered)})"


print("| network | size | measurement | images/s: median (rounds) |")
print("|---|---|---|---|")
for (network, size, what), values in sorted(runs.items()):
    print(f"| {network} | {size} | {what} | {cell(values)} |")

print()
print("| network | size | ours / raw (threads = cores), per round | ours / raw (default options) | ours / base build |")
print("|---|---|---|---|---|")
for network, size in sorted({(n, s) for n, s, _ in runs}):
    ours = runs.get((network, size, "extract (this)"), {})
    if not ours:
        continue

    def ratios(other):
        pairs = [(ours[r], other[r]) for r in sorted(ours) if r in other]
        return " / ".join(f"{a / b:.2f}" for a, b in pairs) if pairs else "-"

    cores = next((v for (n, s, w), v in runs.items() if (n, s) == (network, size) and w.startswith("raw")
                  and not w.endswith("default")), {})
    default = runs.get((network, size, "raw ORT, threads default"), {})
    base = runs.get((network, size, "extract (base)"), {})
    print(f"| {network} | {size} | {ratios(cores)} | {ratios(default)} | {ratios(base)} |")
