#!/usr/bin/env bash
# Strategy benchmark on Fashion-MNIST (issue 3): every strategy at N labels per class, tested on all 10,000 test images.
# Usage: bench/strategies.sh [labels-per-class ...]   (env: SIZES="64 112", STRATEGIES="...", EPOCHS=15, SEEDS="0")
# Results: one JSON line per run in bench/results/strategies.jsonl; run folders under bench/work/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >/dev/null
fi
dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
FULL=/usr/share/datasets/fashion-mnist
WORK=bench/work
RESULTS=bench/results/strategies.jsonl
mkdir -p "$WORK/data" "$WORK/runs" bench/results
cp data/fashion-mnist-small/classes.txt "$WORK/data/classes.txt"
# The full test set, with class names.
mkdir -p "$WORK/data/test"; cp data/fashion-mnist-small/classes.txt "$WORK/data/test/"
ln -sf "$FULL/t10k-images-idx3-ubyte.gz" "$WORK/data/test/t10k-images-idx3-ubyte.gz"
ln -sf "$FULL/t10k-labels-idx1-ubyte.gz" "$WORK/data/test/t10k-labels-idx1-ubyte.gz"
LABELS=${*:-100}
SIZES=${SIZES:-112}
STRATEGIES=${STRATEGIES:-"feature-extraction fine-tune gradual-unfreeze bn-only adabn l2-sp lp-ft scratch"}
SEEDS=${SEEDS:-0}
for n in $LABELS; do
  d="$WORK/data/train-$n"
  if [ ! -f "$d/train-images-idx3-ubyte.gz" ]; then
    $CLI dataset subset "$FULL/train-images-idx3-ubyte.gz" --per-class "$n" --seed 1 --out "$d" --prefix train \
      >/dev/null
    cp "$WORK/data/classes.txt" "$d/"
  fi
  for size in $SIZES; do
    for strategy in $STRATEGIES; do
      for seed in $SEEDS; do
        out="$WORK/runs/n$n-s$size-$strategy-seed$seed"
        extra=()
        [ -n "${EPOCHS:-}" ] && [ "$strategy" != feature-extraction ] && extra+=(--epochs "$EPOCHS")
        echo "== $n labels/class, size $size, $strategy, seed $seed"
        start=$(date +%s.%N)
        $CLI fit --data "$d" --test "$WORK/data/test" --strategy "$strategy" --size "$size" --seed "$seed" \
          --out "$out" ${EXTRA_ARGS:-} "${extra[@]}" > "$out.log" 2>&1 || { echo "failed: see $out.log"; continue; }
        end=$(date +%s.%N)
        python3 - "$out/metrics.json" "$n" "$size" "$strategy" "$seed" "$start" "$end" "${EXTRA_ARGS:-}" \
          >> "$RESULTS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
n, size, strategy, seed, start, end, extra = sys.argv[2:9]
wall = float(end) - float(start)
test = m.get("test_images") or 0
print(json.dumps({"labels_per_class": int(n), "size": int(size), "strategy": strategy, "seed": int(seed), "args": extra,
  "test_accuracy": m.get("test_accuracy"), "val_accuracy": m.get("val_accuracy"), "best_epoch": m.get("best_epoch"),
  "epochs_run": len(m.get("epochs", [])), "trainable_parameters": m.get("trainable_parameters"),
  "train_images": m.get("train_images"), "wall_seconds": round(wall, 1), "seconds_total": m.get("seconds_total"),
  "images_per_second": round((m.get("train_images", 0) * max(1, len(m.get("epochs", [])))) / wall, 1)
                       if wall > 0 else None}))
PY
        tail -n 1 "$RESULTS"
      done
    done
  done
done
