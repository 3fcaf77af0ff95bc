#!/bin/bash
# int8 frozen pass against fp32 (issue 22 item 4): feature extraction on Fashion-MNIST 100/class, all 10,000 test
# images, seeds 0-2 (the split and the head) at 112 px and seed 0 at 224 px. Each size's fp32 and int8 runs get their own empty cache
# at the start (so seed 0 measures extraction speed; later seeds reuse fp32 features, int8 ones only when the
# calibration images are the same). int8 runs under the check's rule; when the rule refuses int8, the run is
# repeated past the check (TRANSFERSHARP_INT8_TOLERANCE=1) to measure what int8 would have scored.
# Usage: bench/int8.sh   (RESULTS=... to choose the output; CLI=... another build of the tool; FEATURES=stage3 for
#   intermediate-layer features; SEEDS="0 1 2" at 112; PRECISIONS="fp32 int8"; TAG=prefix of the runs' tags)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=bench/work/int8
RESULTS=${RESULTS:-bench/results/int8.jsonl}
SIZES=${SIZES:-"112 224"}
FEATURES=${FEATURES:-}
PRECISIONS=${PRECISIONS:-"fp32 int8"}
TAG=${TAG:-}
. bench/fmnist-100.sh
rm -rf "$WORK"/cache-*
layers=(); [ -n "$FEATURES" ] && layers=(--features "$FEATURES")

fit() { # size seed precision tag [env...]
  local size=$1 seed=$2 precision=$3 tag=$TAG$4${FEATURES:+-$FEATURES}; shift 4
  local out="$WORK/runs/$tag-$size-$seed"
  local start=$(date +%s.%N)
  env "$@" $CLI fit --data "$TRAIN" --test "$TEST" --strategy feature-extraction --size "$size" --seed "$seed" \
    --frozen-precision "$precision" --cache-dir "$WORK/cache-$precision-$size" --out "$out" --overwrite \
    ${layers[@]+"${layers[@]}"} >/dev/null
  local wall=$(echo "$(date +%s.%N) - $start" | bc)
  /usr/bin/python3 - "$out/metrics.json" "$tag" "$size" "$seed" "$wall" >> "$RESULTS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"tag": sys.argv[2], "features": m.get("feature_layers"), "size": int(sys.argv[3]), "seed": int(sys.argv[4]),
    "wall_seconds": round(float(sys.argv[5]), 1), "test_accuracy": m["test_accuracy"],
    "val_accuracy": m["val_accuracy"], "seconds_extraction": m["seconds_extraction"],
    "images_extracted": m["images_extracted"], "images_per_second_extraction": m["images_per_second_extraction"],
    "frozen_precision": m.get("frozen_precision")}))
PY
  tail -1 "$RESULTS"
}

for size in $SIZES; do
  seeds=${SEEDS:-"0 1 2"}; [ "$size" = 224 ] && seeds=0
  for seed in $seeds; do
    for precision in $PRECISIONS; do
      fit "$size" "$seed" "$precision" "$precision"
      if [ "$precision" = int8 ] \
        && grep -q '"used": "fp32"' "$WORK/runs/$TAG"int8"${FEATURES:+-$FEATURES}-$size-$seed/metrics.json"; then
        fit "$size" "$seed" int8 int8-past-check TRANSFERSHARP_INT8_TOLERANCE=1
      fi
    done
  done
done
