#!/usr/bin/env python3
"""The advisor's task suite (issue 6): per task every strategy's test accuracy, the advisor's choice without and with
pilot, and the reach checks. Reads bench/results/suite.jsonl (the last line of each task and strategy).
Usage: python3 bench/suite_table.py [results.jsonl]"""
import json, sys

STRATEGIES = ["feature-extraction", "fine-tune", "gradual-unfreeze", "bn-only", "adabn", "l2-sp", "lp-ft", "scratch"]
rows = {}
for line in open(sys.argv[1] if len(sys.argv) > 1 else "bench/results/suite.jsonl"):
    d = json.loads(line)
    rows[(d["task"], d["strategy"])] = d
tasks = list(dict.fromkeys(t for t, _ in rows))
short = {"feature-extraction": "FE", "fine-tune": "FT", "gradual-unfreeze": "GU", "bn-only": "BN", "adabn": "AdaBN",
         "l2-sp": "L2-SP", "lp-ft": "LP-FT", "scratch": "scratch"}
print("| task | size, epochs | " + " | ".join(short[s] for s in STRATEGIES) + " | best | regime"
      " | auto: choice, acc, gap | auto --pilot: choice, acc, gap | pilot time / the winner alone"
      " | / auto without pilot |")
print("|---|---|" + "---|" * len(STRATEGIES) + "---|---|---|---|---|---|")
within, within_pilot, above_fe, ratios, ratios_auto, complete = 0, 0, 0, [], [], 0
for task in tasks:
    accs = {s: rows[(task, s)]["test_accuracy"] for s in STRATEGIES if (task, s) in rows}
    auto, pilot = rows.get((task, "auto")), rows.get((task, "auto-pilot"))
    if len(accs) < len(STRATEGIES) or auto is None or pilot is None:
        print(f"| {task} | incomplete: {len(accs)}/{len(STRATEGIES)} strategies{', auto' if auto else ''}"
              f"{', auto --pilot' if pilot else ''} |")
        continue
    complete += 1
    best_s = max(accs, key=accs.get)
    best = accs[best_s]
    gap = 100 * (best - auto["test_accuracy"])
    gap_pilot = 100 * (best - pilot["test_accuracy"])
    within += gap <= 1.0
    within_pilot += gap_pilot <= 1.0
    above_fe += 100 * (accs["feature-extraction"] - auto["test_accuracy"]) <= 1.0
    alone = auto if auto["chosen"] == pilot["chosen"] else rows[(task, pilot["chosen"])]
    ratio = pilot["wall_seconds"] / alone["wall_seconds"]
    ratios.append(ratio)
    ratio_auto = pilot["wall_seconds"] / auto["wall_seconds"]
    ratios_auto.append(ratio_auto)
    layers = lambda r: "" if r["chosen"] != "feature-extraction" else "@" + ",".join(r["feature_layers"] or [])
    d = rows[(task, "feature-extraction")]
    print(f"| {task} | {d['size']}, {auto['epochs']} | " + " | ".join(f"{accs[s]:.4f}" for s in STRATEGIES) +
          f" | {short[best_s]} {best:.4f} | {auto['regime']} | {short[auto['chosen']]}{layers(auto)} "
          f"{auto['test_accuracy']:.4f}, {gap:+.2f} |"
          f" {short[pilot['chosen']]}{layers(pilot)} {pilot['test_accuracy']:.4f}, {gap_pilot:+.2f} | "
          f"{pilot['wall_seconds']:.0f} s / {alone['wall_seconds']:.0f} s = {ratio:.2f}x | {ratio_auto:.2f}x |")
if complete:
    print()
    print(f"Complete tasks: {complete}. Advisor (no pilot) within 1 point of the best strategy: {within}/{complete} "
          f"({100 * within / complete:.0f}%; reach >= 80%); never more than 1 point below feature extraction: "
          f"{above_fe}/{complete}. "
          f"With --pilot within 1 point: {within_pilot}/{complete} "
          f"({100 * within_pilot / complete:.0f}%; reach >= 90%); "
          f"pilot time / the winner run alone: max {max(ratios):.2f}x, median {sorted(ratios)[len(ratios) // 2]:.2f}x, "
          f"<= 1.5x on {sum(r <= 1.5 for r in ratios)}/{complete}; / auto without pilot: max {max(ratios_auto):.2f}x, "
          f"<= 1.5x on {sum(r <= 1.5 for r in ratios_auto)}/{complete} (reach <= 1.5x).")
