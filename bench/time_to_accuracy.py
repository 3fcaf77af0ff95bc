"""Time-to-accuracy of two LP-FT runs (optimized, naive) from their metrics.json, or of ours against the PyTorch peer
(second argument: bench/torch_lpft.py's JSON output); prints one JSON line."""
import json, statistics, sys


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
    probe_stage = t      # seconds of the probe stage, the scored start counted with it
    for e in d["epochs"]:
        t += e["seconds"]
        points.append((t, e["val_accuracy"]))
    return d, points, probe_stage, [e["seconds"] for e in d["epochs"]]


def reach(points, target):
    return next((t for t, a in points if a >= target - 1e-9), None)


def peer(our_run, peer_json):
    """Ours against the PyTorch peer (bench/torch_lpft.py's JSON line): time to the same validation accuracies."""
    d, ours, probe_stage, epochs = curve(our_run)
    p = json.loads(open(peer_json).read().strip().splitlines()[-1])
    theirs = [tuple(point) for point in p["curve"]]
    out = {"ours": our_run, "peer": peer_json, "input_size": d["input_size"],
           "test_accuracy": {"ours": d["test_accuracy"], "peer": p["test_accuracy"]},
           "probe_stage_seconds": {"ours": round(probe_stage, 2), "peer": p["probe_stage_seconds"]},
           "fine_tuning_epoch_seconds_median": {
               "ours": round(statistics.median(epochs), 2),
               "peer": round(statistics.median(b[0] - a[0] for a, b in zip(theirs, theirs[1:])), 2)},
           "targets": {}}
    final = min(max(a for _, a in ours), max(a for _, a in theirs))
    for name, target in (("best_val_both_reach", final), ("peer_probe_val", theirs[0][1]),
                         ("our_probe_val", ours[0][1])):
        to, tp = reach(ours, target), reach(theirs, target)
        out["targets"][name] = {"val_accuracy": target, "seconds_ours": to, "seconds_peer": tp,
                                "ratio": (tp / to) if tp and to else None}
    out["curve_ours"], out["curve_peer"] = ours, theirs
    print(json.dumps(out))


if sys.argv[2].endswith(".json"):
    peer(sys.argv[1], sys.argv[2])
    sys.exit()
fast_d, fast, po, eo = curve(sys.argv[1])
slow_d, slow, pn, en = curve(sys.argv[2])
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
eo_m, en_m = statistics.median(eo), statistics.median(en)
out["stages"] = {"probe_stage_seconds": {"optimized": round(po, 2), "naive": round(pn, 2),
                                         "speedup": round(pn / po, 2)},
                 "fine_tuning_epoch_seconds_median": {"optimized": round(eo_m, 2), "naive": round(en_m, 2),
                                                      "speedup": round(en_m / eo_m, 2)},
                 "speedup_bound_after_k_fine_tuning_epochs": {k: round((pn + k * en_m) / (po + k * eo_m), 2)
                                                              for k in range(0, len(eo) + 1)}}
out["curve_optimized"] = fast
out["curve_naive"] = slow
print(json.dumps(out))
