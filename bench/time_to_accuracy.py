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
out["curve_optimized"] = fast
out["curve_naive"] = slow
print(json.dumps(out))
