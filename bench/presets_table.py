#!/usr/bin/python3
"""Issue 18's tables: auto's fast preset (fit's default) on the advisor's suite, and the presets and time limits on
Fashion-MNIST 100/class at 112 px.

Usage: /usr/bin/python3 bench/presets_table.py [suite_presets.jsonl] [suite.jsonl] [presets.jsonl]
The best single strategy of a task is the best test accuracy of any strategy run there (bench/results/suite.jsonl,
the latest run of each strategy, and this machine's feature-extraction runs); "today's default" is feature extraction
on the last group with the L-BFGS head, run on this machine beside the preset, whose wall time it is compared with.
"""
import json
import sys

SINGLE = {"feature-extraction", "fine-tune", "gradual-unfreeze", "bn-only", "adabn", "l2-sp", "lp-ft", "scratch"}
here = sys.argv[1] if len(sys.argv) > 1 else "bench/results/suite_presets.jsonl"
suite = sys.argv[2] if len(sys.argv) > 2 else "bench/results/suite.jsonl"
presets = sys.argv[3] if len(sys.argv) > 3 else "bench/results/presets.jsonl"


def rows(path):
    try:
        return [json.loads(line) for line in open(path) if line.strip()]
    except FileNotFoundError:
        return []


latest = {}
for r in rows(suite):
    if r["strategy"] in SINGLE:
        latest[(r["task"], r["strategy"])] = r
mine = {(r["task"], r["strategy"]): r for r in rows(here)}
tasks = list(dict.fromkeys(r["task"] for r in rows(here)))
print("| task | best single strategy | today's default: FE@stage4, acc, s | fast preset: kept, acc, s | gap | time |")
print("|---|---|---|---|---|---|")
within, timely, complete = 0, 0, 0
for task in tasks:
    fe, fast = mine.get((task, "feature-extraction")), mine.get((task, "preset-fast"))
    if not fe or not fast:
        continue
    complete += 1
    singles = [r for (t, s), r in latest.items() if t == task and s != "feature-extraction"] + [fe]
    best = max(singles, key=lambda r: r["test_accuracy"])
    gap = 100 * (best["test_accuracy"] - fast["test_accuracy"])
    ratio = fast["wall_seconds"] / fe["wall_seconds"]
    within += gap <= 2
    timely += ratio <= 2
    kept = [c for c in fast["preset"] or [] if c[3] == "best"][-1][0] if fast["preset"] else fast["chosen"]
    if fast["chosen"] == "ensemble":
        kept = "ensemble" + (f" (single {fast['ensemble']['test'][0]:.4f})" if fast.get("ensemble") else "")
    print(f"| {task} | {best['strategy']} {best['test_accuracy']:.4f} | {fe['test_accuracy']:.4f}, "
          f"{fe['wall_seconds']:.0f} | {kept}, {fast['test_accuracy']:.4f}, {fast['wall_seconds']:.0f} | "
          f"{gap:+.2f} | {ratio:.2f}x |")
print(f"\nTasks: {complete}. Fast preset within 2 points of the best single strategy: {within}/{complete} "
      f"(reach >= 8 of 9); wall time <= 2x today's default: {timely}/{complete}.")

runs = rows(presets)
if runs:
    print("\n| run | limit s | wall s | kept | test acc | loads "
          "| candidates (name, epochs, estimate s, s, val, status) |")
    print("|---|---|---|---|---|---|---|")
    for r in runs:
        kept = [c[0] for c in r["candidates"] if c[5] == "best"]
        limit = r["limit_seconds"]
        over = "" if not limit else f" ({100 * (r['wall_seconds'] / limit - 1):+.0f} %)"
        cands = "; ".join(f"{c[0]}, {c[1] or '-'}, {c[2] or '-'}, {c[3] or '-'}, {c[4] or '-'}, {c[5]}"
                          for c in r["candidates"])
        acc = f"{r['test_accuracy']:.4f}" if r["test_accuracy"] is not None else "-"
        print(f"| {r['case']} | {limit or '-'} | {r['wall_seconds']:.0f}{over} | {kept[-1] if kept else '-'} | "
              f"{acc} | {'yes' if r['loads'] else 'NO'} | {cands} |")
