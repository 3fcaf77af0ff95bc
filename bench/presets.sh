#!/usr/bin/env bash
# Auto's presets and time limits (issue 18) on Fashion-MNIST 100 labels/class at 112 px, tested on all 10,000 test
# images: fit with --preset fast|balanced|best, then with --time-limit L (balanced) for each limit, and a kill test
# (a limited run killed with SIGKILL once its first candidate is saved: the folder must still load).
# Usage: bench/presets.sh [case ...]   cases: fast balanced best limit-30s limit-60s ... kill   (default: all below)
# Every case starts from an empty feature cache. Results: bench/results/presets.jsonl (one line per run: wall seconds,
# test accuracy, the candidates, whether the run folder loads); runs in bench/work/presets/.
set -euo pipefail
cd "$(dirname "$0")/.."
# CLI=...: another build of the tool (bench/fmnist-100.sh).
WORK=bench/work/presets
RESULTS=${RESULTS:-bench/results/presets.jsonl}
CASES=${*:-"fast limit-30s limit-60s limit-2m limit-5m balanced kill limit-10m best"}
. bench/fmnist-100.sh

record() { # case out wall limit_seconds killed
  local loads=false
  $CLI evaluate "$2" --data "$TRAIN" --out "$WORK/runs/$1.evaluation.json" >/dev/null 2>&1 && loads=true
  /usr/bin/python3 - "$2/metrics.json" "$1" "$3" "$4" "$loads" "$5" >> "$RESULTS" <<'PY'
import json, os, sys
path, case, wall, limit, loads, killed = sys.argv[1:7]
m = json.load(open(path)) if os.path.exists(path) else {}
p = m.get("preset") or {}
print(json.dumps({"case": case, "wall_seconds": float(wall), "limit_seconds": float(limit) if limit else None,
  "killed": killed == "true", "loads": loads == "true", "strategy": m.get("strategy"),
  "feature_layers": m.get("feature_layers"), "feature_grid": m.get("feature_grid"),
  "test_accuracy": m.get("test_accuracy"), "val_accuracy": m.get("val_accuracy"),
  "candidates": [[c["name"], c.get("epochs"), c.get("estimated_seconds"), c.get("seconds"), c.get("val_accuracy"),
                  c["status"]] for c in p.get("candidates", [])],
  "ensemble": (lambda e: e and {"kept": e["kept"], "weights": {x["name"]: x["weight"] for x in e["members"]},
    "held_out": e["validation_images"], "val": [e["single_val_accuracy"], e["val_accuracy"]],
    "test": [e.get("single_test_accuracy"), e.get("test_accuracy")]})(p.get("ensemble"))}))
PY
  tail -n 1 "$RESULTS"
}

for case in $CASES; do
  out="$WORK/runs/$case"
  rm -rf "$out"
  # Every case from an empty cache (features, speeds.json): the time a first run takes.
  export TRANSFERSHARP_CACHE="$WORK/cache-$case"
  rm -rf "$TRANSFERSHARP_CACHE"
  args=(--data "$TRAIN" --test "$TEST" --size 112 --seed 0 --out "$out")
  limit=""
  case $case in
    fast|balanced|best) args+=(--preset "$case") ;;
    limit-*) limit=${case#limit-}; args+=(--time-limit "$limit") ;;
    kill) args+=(--time-limit 10m) ;;
  esac
  echo "== $case"
  start=$(date +%s.%N)
  if [ "$case" = kill ]; then
    # SIGKILL once the first candidate's run is in place (its metrics.json), mid-way through the second.
    $CLI fit "${args[@]}" > "$out.log" 2>&1 &
    pid=$!
    while [ ! -f "$out/metrics.json" ] && kill -0 $pid 2>/dev/null; do sleep 1; done
    sleep 5; kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
    record "$case" "$out" "$(echo "$(date +%s.%N) - $start" | bc)" "" true
    continue
  fi
  $CLI fit "${args[@]}" > "$out.log" 2>&1 || { echo "failed: $out.log"; tail -3 "$out.log"; }
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  seconds=""
  [ -n "$limit" ] && seconds=$(/usr/bin/python3 -c "
import re,sys; s=sys.argv[1]; t=0
for v,u in re.findall(r'([0-9.]+)([hms])', s): t+=float(v)*{'h':3600,'m':60,'s':1}[u]
print(t)" "$limit")
  record "$case" "$out" "$wall" "$seconds" false
done
