#!/bin/bash
# Channels-last fp32 training (issue 22 item 2): fit's default layout against libtorch's NCHW (`--nchw`).
#   PART=perf      the training step (batch 32, every group trainable, AdamW; PerfBench train with LAYOUT), ours NCHW
#                  and channels-last against PyTorch 1.13 channels_last (tcmalloc under both), at SIZES (112 224),
#                  ROUNDS (5) alternating rounds; results/layout_step.jsonl.
#   PART=accuracy  STRATEGIES (lp-ft) on Fashion-MNIST 100/class at 112, all 10,000 test images, SEEDS (0 1), both
#                  layouts; results/layout_accuracy.jsonl.
# Needs python3-torch and python3-torchvision (Debian; a peer, never a dependency) for PART=perf.
set -euo pipefail
cd "$(dirname "$0")/.."
PART=${PART:-perf}
TCM=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
if [ "$PART" = perf ]; then
  dotnet build -c Release bench/Perf -v q -nologo >/dev/null
  P=bench/Perf/bin/Release/net10.0/PerfBench.dll
  OUT=${RESULTS:-bench/results/layout_step.jsonl}
  for size in ${SIZES:-112 224}; do
    steps=8; [ "$size" -ge 224 ] && steps=5
    for round in $(seq 1 "${ROUNDS:-5}"); do
      for layout in nchw channels-last; do
        LAYOUT=$layout STEPS=$steps WARMUP=2 dotnet $P train "$size" \
          | sed "s/^{/{\"round\":$round,\"who\":\"ours\",/" >> "$OUT"
      done
      STEPS=$steps WARMUP=2 LD_PRELOAD=$TCM /usr/bin/python3 bench/Perf/torch_step.py "$size" channels_last \
        | sed "s/^{/{\"round\":$round,\"who\":\"torch-tcmalloc\",/" >> "$OUT"
      tail -3 "$OUT"
    done
  done
  exit 0
fi
WORK=bench/work/layout
OUT=${RESULTS:-bench/results/layout_accuracy.jsonl}
. bench/fmnist-100.sh
for strategy in ${STRATEGIES:-lp-ft}; do
  for seed in ${SEEDS:-0 1}; do
    for layout in ${LAYOUTS:-channels-last nchw}; do
      out="$WORK/runs/$strategy-$seed-$layout"
      flag=""; [ "$layout" = nchw ] && flag=--nchw
      start=$(date +%s.%N)
      $CLI fit --data "$TRAIN" --test "$TEST" --strategy "$strategy" --size 112 --seed "$seed" $flag \
        --out "$out" --overwrite >/dev/null
      wall=$(echo "$(date +%s.%N) - $start" | bc)
      /usr/bin/python3 - "$out/metrics.json" "$strategy" "$seed" "$layout" "$wall" >> "$OUT" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"strategy": sys.argv[2], "seed": int(sys.argv[3]), "layout": sys.argv[4],
    "wall_seconds": round(float(sys.argv[5]), 1), "test_accuracy": m["test_accuracy"],
    "val_accuracy": m["val_accuracy"], "best_epoch": m.get("best_epoch"), "seconds_total": m["seconds_total"]}))
PY
      tail -1 "$OUT"
    done
  done
done
