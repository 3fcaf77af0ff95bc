#!/usr/bin/python3
"""Ensemble rules on a preset's candidates, offline (issue 18): each candidate's run folder (validation_predictions.json
held out, test_predictions.json), the held-out images they share, and the test accuracy each rule's mix reaches.

Usage: /usr/bin/python3 bench/ensemble_rules.py START RUN [RUN ...]
  START: the run the greedy selection starts from (the preset's best single candidate).
Rules: greedy selection with replacement on held-out log-loss (EnsembleSelection, 25 steps, from START), the plain
average of every candidate, of the greedy's picks, and of the k best by held-out log-loss.
"""
import json
import math
import sys

import numpy as np


def load(run):
    v = json.load(open(f"{run}/validation_predictions.json"))
    t = json.load(open(f"{run}/test_predictions.json"))
    return ({i: (l, np.exp(p)) for i, l, p in zip(v["ids"], v["labels"], v["log_probabilities"])},
            {i: (l, np.exp(p)) for i, l, p in zip(t["ids"], t["labels"], t["log_probabilities"])})


start, runs = sys.argv[1], sys.argv[2:]
data = {r: load(r) for r in runs}
held = sorted(set.intersection(*(set(d[0]) for d in data.values())))
test = sorted(set.intersection(*(set(d[1]) for d in data.values())))
y_h = np.array([data[runs[0]][0][i][0] for i in held])
y_t = np.array([data[runs[0]][1][i][0] for i in test])
P_h = {r: np.array([data[r][0][i][1] for i in held]) for r in runs}
P_t = {r: np.array([data[r][1][i][1] for i in test]) for r in runs}


def loss(p, y):
    return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], 1e-15))))


def acc(p, y):
    return float(np.mean(p.argmax(1) == y))


print(f"{len(held)} shared held-out images, {len(test)} test images")
print("| candidate | held-out acc | held-out log-loss | test acc |")
print("|---|---|---|---|")
for r in runs:
    print(f"| {r.rstrip('/').split('/')[-1]} | {acc(P_h[r], y_h):.2f} | {loss(P_h[r], y_h):.4f} | {acc(P_t[r], y_t):.4f} |")


def mix(weights, P):
    return sum(w * P[r] for r, w in weights.items() if w > 0)


def greedy(first, steps=25):
    counts = {r: 0 for r in runs}
    counts[first] = 1
    total = P_h[first].copy()
    current = loss(total, y_h)
    for step in range(1, steps):
        best, best_loss = None, current
        for r in runs:
            candidate = loss((total + P_h[r]) / (step + 1), y_h)
            if candidate < best_loss - 1e-12:
                best, best_loss = r, candidate
        if best is None:
            break
        total += P_h[best]
        counts[best] += 1
        current = best_loss
    n = sum(counts.values())
    return {r: c / n for r, c in counts.items()}


rules = {"greedy from " + start.rstrip('/').split('/')[-1]: greedy(start),
         "average of all": {r: 1 / len(runs) for r in runs}}
picked = [r for r, w in rules["greedy from " + start.rstrip('/').split('/')[-1]].items() if w > 0]
rules["average of the greedy's picks"] = {r: 1 / len(picked) for r in picked}
ranked = sorted(runs, key=lambda r: loss(P_h[r], y_h))
for k in range(2, len(runs)):
    rules[f"average of the {k} best by held-out log-loss"] = {r: 1 / k for r in ranked[:k]}
print()
print("| rule | weights | held-out log-loss | test acc |")
print("|---|---|---|---|")
for name, w in rules.items():
    shown = ", ".join(f"{r.rstrip('/').split('/')[-1]} {x:.2f}" for r, x in w.items() if x > 0)
    print(f"| {name} | {shown} | {loss(mix(w, P_h), y_h):.4f} | {acc(mix(w, P_t), y_t):.4f} |")
