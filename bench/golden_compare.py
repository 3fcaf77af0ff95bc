#!/usr/bin/env python3
"""Compares two bench/golden.sh folders: every metrics.json key of BEFORE must exist in AFTER with the same value,
timings and machine-dependent fields aside. Exit 1 on any difference. Usage: golden_compare.py BEFORE AFTER"""
import json
import os
import re
import sys

# Wall times, speeds and where things ran differ between runs of the same code.
VOLATILE = re.compile(r"seconds|per_second|directory|allocator|^hit$|^hits$|^misses$|images_extracted|features_engine"
                      r"|^folder$|^output$|^plot$")


def walk(a, b, path, problems):
    if isinstance(a, dict):
        if not isinstance(b, dict):
            problems.append(f"{path}: object became {type(b).__name__}")
            return
        for key, value in a.items():
            if VOLATILE.search(key):
                continue
            if key not in b:
                problems.append(f"{path}.{key}: missing after")
                continue
            walk(value, b[key], f"{path}.{key}", problems)
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            problems.append(f"{path}: list changed ({len(a)} -> {len(b) if isinstance(b, list) else b!r})")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", problems)
    elif a != b:
        problems.append(f"{path}: {a!r} -> {b!r}")


def main(before, after):
    problems, compared = [], 0
    for root, _, files in os.walk(before):
        for name in files:
            if not (name == "metrics.json" or name.startswith("advice-")):
                continue
            left = os.path.join(root, name)
            right = os.path.join(after, os.path.relpath(left, before))
            if not os.path.exists(right):
                problems.append(f"{right}: missing")
                continue
            walk(json.load(open(left)), json.load(open(right)), os.path.relpath(left, before), problems)
            compared += 1
    for p in problems:
        print(p)
    print(f"{compared} files compared, {len(problems)} differences")
    return 1 if problems or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
