#!/usr/bin/env python3
"""Prints bench/multimodal.sh's results as Markdown: every candidate's validation and test accuracy per task."""
import json, os, sys

work = sys.argv[1]
names = {
    "image-only": "image only",
    "record-only": "record only (MLP)",
    "record-boosted": "record only (LightGBM)",
    "late": "late fusion",
    "film": "FiLM fusion",
}
for run, title in (
    ("a", "a: type x price band (20 classes)"),
    ("b", "b: half and half, 30 % of test rows missing a modality"),
    ("b-nodrop", "b, modality dropout off"),
    ("a-tuned", "a, image branch tuned first"),
    ("b-tuned", "b, image branch tuned first"),
    ("a-joint", "a, joint tuning from the frozen backbone"),
    ("b-joint", "b, joint tuning from the frozen backbone"),
    ("a-tuned-joint", "a, image branch tuned first, then joint tuning"),
    ("b-tuned-joint", "b, image branch tuned first, then joint tuning"),
):
    path = os.path.join(work, run + ".json")
    if not os.path.exists(path):
        continue
    report = json.load(open(path))
    print(f"\n{title}: {report['train_rows']} train, {report['val_rows']} val, {report['test_rows']} test rows; "
          f"image branch: {report.get('image_branch', 'frozen')}; chosen: {names[report['chosen']]}; "
          f"{report['seconds_total']:.0f} s")
    print("\n| model | val | test |\n|---|---|---|")
    for c in report["candidates"]:
        mark = " (chosen)" if c["model"] == report["chosen"] else ""
        print(f"| {names[c['model']]}{mark} | {c['val_accuracy']:.4f} | {c['test_accuracy']:.4f} |")
    joint = report.get("joint")
    if joint:
        rates = ", ".join(f"{k} {v:.3g}" for k, v in joint["rates"].items())
        print(f"\njoint tuning of {names[joint['model']]} ({joint['epochs']} epochs, {joint['unfreeze']} unfreezing; "
              f"rates {rates}): val {joint['val_before']:.4f} -> {joint['val_after']:.4f}, test "
              f"{joint['test_before']:.4f} -> {joint['test_after']:.4f}, epoch {joint['best_epoch']} kept "
              f"(0: none), {joint['seconds']:.0f} s")
    full = os.path.join(work, run + "-full.json")
    if os.path.exists(full):
        print(f"\nchosen model on the same test rows with nothing missing: {json.load(open(full))['accuracy']:.4f}")
    print("\nimportance: " + ", ".join(f"{i['feature']} {i['accuracy_drop']:.3f}" for i in report["importance"]))
