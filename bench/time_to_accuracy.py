"""Time-to-accuracy of two LP-FT runs (optimized, naive) from their metrics.json; prints one JSON line."""
import json, sys


def curve(run):
    d = json.load(open(f"{run}/metrics.json"))
    probe = d["linear_probe"]
    points, t = [], 0.0
    if probe.get("naive"):
        for e in probe["epochs"]:
            t += e["seconds"]
            points.append((t, e["val_accuracy"]))
    else:
        t = probe["seconds"]
        points.append((t, probe["val_accuracy"]))
    if d.get("start"):   # the fine-tuning stage's epoch 0: the starting point scored on validation
        t += d["start"]["seconds"]
    for e in d["epochs"]:
        t += e["seconds"]
        points.append((t, e["val_accuracy"]))
    return d, points


def stages(d):
    """Seconds of the probe stage and of each fine-tuning epoch (the scored start counted with the probe stage)."""
    probe = d["linear_probe"]
    p = sum(e["seconds"] for e in probe["epochs"]) if probe.get("naive") else probe["seconds"]
    p += d["start"]["seconds"] if d.get("start") else 0.0
    return p, [e["seconds"] for e in d["epochs"]]


def median(xs):
    xs = sorted(xs)
    return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2


def reach(points, target):
    return next((t for t, a in points if a >= target - 1e-9), None)


fast_d, fast = curve(sys.argv[1])
slow_d, slow = curve(sys.argv[2])
final = min(max(a for _, a in fast), max(a for _, a in slow))   # the best accuracy both runs reach
probe_level = fast[0][1]                                          # what the optimized run's probe stage reaches
out = {"optimized": sys.argv[1], "naive": sys.argv[2], "input_size": fast_d["input_size"],
       "test_accuracy": {"optimized": fast_d["test_accuracy"], "naive": slow_d["test_accuracy"]},
       "allocator": {"optimized": fast_d.get("allocator"), "naive": slow_d.get("allocator")},
       "targets": {}}
for name, target in (("best_val_both_reach", final), ("probe_stage_val", probe_level)):
    tf, ts = reach(fast, target), reach(slow, target)
    out["targets"][name] = {"val_accuracy": target, "seconds_optimized": tf, "seconds_naive": ts,
                            "speedup": (ts / tf) if tf and ts else None}
# Where the time goes, and what that allows: a target first reached after k fine-tuning epochs by both runs can be
# reached at most (naive probe stage + k naive epochs) / (optimized probe stage + k optimized epochs) times faster.
(po, eo), (pn, en) = stages(fast_d), stages(slow_d)
eo_m, en_m = median(eo), median(en)
out["stages"] = {"probe_stage_seconds": {"optimized": round(po, 2), "naive": round(pn, 2), "speedup": round(pn / po, 2)},
                 "fine_tuning_epoch_seconds_median": {"optimized": round(eo_m, 2), "naive": round(en_m, 2), "speedup": round(en_m / eo_m, 2)},
                 "speedup_bound_after_k_fine_tuning_epochs": {k: round((pn + k * en_m) / (po + k * eo_m), 2) for k in range(0, len(eo) + 1)}}
out["curve_optimized"] = fast
out["curve_naive"] = slow
print(json.dumps(out))
