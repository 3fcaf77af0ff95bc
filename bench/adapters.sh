#!/usr/bin/env bash
# Adapter benchmark (issue 4).
#   bench/adapters.sh multispectral   8-band task built by bench/Multispectral (classes differ only beyond band 3):
#                                     feature extraction and fine-tune with replicate (= the first three bands),
#                                     weight-sum, conv1x1
#   bench/adapters.sh fashion         Fashion-MNIST, 100 labels per class, input 112, full 10k test set: the same grid
#                                     on gray images
# Env: STRATEGIES, ADAPTERS, EPOCHS (default 15), SIZE (multispectral, default 64). One JSON line per run in
# bench/results/adapters.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
TASK=${1:-multispectral}
dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
WORK=bench/work
mkdir -p "$WORK/runs" bench/results
STRATEGIES=${STRATEGIES:-"feature-extraction fine-tune"}
ADAPTERS=${ADAPTERS:-"replicate weight-sum conv1x1"}
if [ "$TASK" = multispectral ]; then
  DATA="$WORK/multispectral"
  if [ ! -d "$DATA/train" ]; then
    dotnet build -c Release bench/Multispectral -v q -nologo >/dev/null
    dotnet bench/Multispectral/bin/Release/net10.0/Multispectral.dll "$DATA" 8 5 100 200 32 0
  fi
  TRAIN="$DATA/train"; TEST="$DATA/test"; SIZE=${SIZE:-64}
else
  TRAIN="$WORK/data/train-100"; TEST="$WORK/data/test"; SIZE=${SIZE:-112}
  [ -f "$TRAIN/train-images-idx3-ubyte.gz" ] || {
    echo "run bench/strategies.sh 100 once first:" \
      "it installs Fashion-MNIST and cuts the 100-per-class subset"; exit 1; }
fi
for strategy in $STRATEGIES; do
  for adapter in $ADAPTERS; do
    out="$WORK/runs/adapters-$TASK-$strategy-$adapter"
    echo "== $TASK, $strategy, $adapter"
    start=$(date +%s.%N)
    # Feature extraction trains (and takes epochs) only through the conv1x1 adapter.
    epochs="--epochs ${EPOCHS:-15}"; [ "$strategy" = feature-extraction ] && [ "$adapter" != conv1x1 ] && epochs=""
    $CLI fit --data "$TRAIN" --test "$TEST" --strategy "$strategy" --adapter "$adapter" --size "$SIZE" $epochs \
      --out "$out" ${EXTRA_ARGS:-} > "$out.log" 2>&1 || { echo "failed: see $out.log"; continue; }
    end=$(date +%s.%N)
    python3 - "$out/metrics.json" "$TASK" "$strategy" "$adapter" "$start" "$end" "$SIZE" \
      >> bench/results/adapters.jsonl <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
task, strategy, adapter, start, end, size = sys.argv[2:8]
a = m.get("adapter") or {}
print(json.dumps({"task": task, "strategy": strategy, "adapter": adapter, "size": int(size),
  "test_accuracy": m.get("test_accuracy"),
  "val_accuracy": m.get("val_accuracy"), "channels": a.get("channels"),
  "pipeline": "channel" if a else "8-bit images (cached features)" ,
  "feature_path": a.get("feature_path"), "wall_seconds": round(float(end) - float(start), 1)}))
PY
    tail -1 bench/results/adapters.jsonl
  done
done
