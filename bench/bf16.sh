#!/bin/bash
# bf16 training (issue 22 item 1): `--precision bf16` against fp32.
#   PART=perf      the training step (batch 32, every group trainable, AdamW), ours fp32/bf16 against PyTorch 1.13
#                  (channels_last, tcmalloc preloaded under both, as bench/perf.sh's best peer) fp32 and bf16 autocast,
#                  at 112 and 224, ROUNDS alternating rounds; results/bf16_step.jsonl. PyTorch runs our ResNet18's
#                  blocks (2,2,2,3); PEER_BLOCKS="2,2,2,3 2,2,2,2" adds torchvision's resnet18 (less work).
#   PART=accuracy  LP-FT and fine-tune on Fashion-MNIST 100/class at 112, all 10,000 test images, SEEDS (0 1 2),
#                  fp32 against bf16 (PRECISIONS="fp32 bf16"; auto too); results/bf16_accuracy.jsonl
# Needs python3-torch and python3-torchvision (Debian; peers, never dependencies) for PART=perf.
set -euo pipefail
cd "$(dirname "$0")/.."
PART=${PART:-perf}
TCM=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
if [ "$PART" = perf ]; then
  dotnet build -c Release bench/Perf -v q -nologo >/dev/null
  P=bench/Perf/bin/Release/net10.0/PerfBench.dll
  OUT=${RESULTS:-bench/results/bf16_step.jsonl}
  for round in $(seq 1 "${ROUNDS:-2}"); do
    for size in 112 224; do
      for precision in fp32 bf16; do
        PRECISION=$precision STEPS=8 WARMUP=2 dotnet $P train $size | sed "s/^{/{\"round\":$round,\"who\":\"ours\",/" >> "$OUT"
        for blocks in ${PEER_BLOCKS:-2,2,2,3}; do
          BLOCKS=$blocks PRECISION=$precision STEPS=8 WARMUP=2 LD_PRELOAD=$TCM \
            /usr/bin/python3 bench/Perf/torch_step.py $size channels_last \
            | sed "s/^{/{\"round\":$round,\"who\":\"torch-tcmalloc\",/" >> "$OUT"
        done
      done
      tail -6 "$OUT"
    done
  done
  exit 0
fi
WORK=bench/work/bf16
OUT=${RESULTS:-bench/results/bf16_accuracy.jsonl}
. bench/fmnist-100.sh
for strategy in ${STRATEGIES:-lp-ft fine-tune}; do
  for seed in ${SEEDS:-0 1 2}; do
    for precision in ${PRECISIONS:-fp32 bf16}; do
      out="$WORK/runs/$strategy-$seed-$precision"
      start=$(date +%s.%N)
      $CLI fit --data "$TRAIN" --test "$TEST" --strategy "$strategy" --size 112 --seed "$seed" \
        --precision "$precision" --out "$out" --overwrite >/dev/null
      wall=$(echo "$(date +%s.%N) - $start" | bc)
      /usr/bin/python3 - "$out/metrics.json" "$strategy" "$seed" "$precision" "$wall" >> "$OUT" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"strategy": sys.argv[2], "seed": int(sys.argv[3]), "precision": sys.argv[4],
    "wall_seconds": round(float(sys.argv[5]), 1), "test_accuracy": m["test_accuracy"],
    "val_accuracy": m["val_accuracy"], "best_epoch": m.get("best_epoch"), "seconds_total": m["seconds_total"],
    "training_precision": m.get("training_precision")}))
PY
      tail -1 "$OUT"
    done
  done
done
