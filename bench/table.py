#!/usr/bin/env python3
"""Prints the strategy benchmark table (markdown) from bench/results/strategies.jsonl (the last run of each \
configuration)."""
import json, sys
rows = {}
for line in open(sys.argv[1] if len(sys.argv) > 1 else "bench/results/strategies.jsonl"):
    d = json.loads(line)
    rows[(d["labels_per_class"], d["size"], d["strategy"], d.get("args", ""), d["seed"])] = d
print("| labels/class | size | strategy | extra args | test accuracy (10k) | val accuracy | best epoch / run | "
      "trainable params | wall s | train img/s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for key in sorted(rows, key=lambda k: (k[0], k[1], -(rows[k]["test_accuracy"] or 0))):
    d = rows[key]
    print(f"| {d['labels_per_class']} | {d['size']} | {d['strategy']} | {d.get('args') or ''} | "
          f"{d['test_accuracy']:.4f} | {d['val_accuracy']} | "
          f"{d['best_epoch'] or '-'} / {d['epochs_run'] or '-'} | {d['trainable_parameters']:,} | "
          f"{d['wall_seconds']} | {d['images_per_second'] if d['epochs_run'] else '-'} |")
