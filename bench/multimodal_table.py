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
    full = os.path.join(work, run + "-full.json")
    if os.path.exists(full):
        print(f"\nchosen model on the same test rows with nothing missing: {json.load(open(full))['accuracy']:.4f}")
    print("\nimportance: " + ", ".join(f"{i['feature']} {i['accuracy_drop']:.3f}" for i in report["importance"]))
