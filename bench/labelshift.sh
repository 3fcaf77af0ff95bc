#!/usr/bin/env bash
# Label-shift benchmark (issue 5): a feature-extraction source model at 100 labels per class (input 112; stage2 + stage3
# features pooled over 3x3 cells, mirror TTA: the best out-of-fold accuracy of the sources tried), then targets
# drawn from the full 10k test set with Dirichlet(alpha) class priors, alpha in {0.1, 1, 10}, n in {500, 2000},
# 20 seeds, plus a no-shift control. Prints a markdown table; appends JSON lines to bench/results/labelshift.jsonl.
# Usage: [SEEDS=20] bench/labelshift.sh [RUN]   (RUN: an existing run folder to use as the source model instead of
# fitting one)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >/dev/null
fi
dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
dotnet build -c Release bench/LabelShift -v q -nologo >/dev/null
CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
FULL=/usr/share/datasets/fashion-mnist
WORK=bench/work
mkdir -p "$WORK/data/test" "$WORK/runs" bench/results
cp data/fashion-mnist-small/classes.txt "$WORK/data/test/"
ln -sf "$FULL/t10k-images-idx3-ubyte.gz" "$WORK/data/test/t10k-images-idx3-ubyte.gz"
ln -sf "$FULL/t10k-labels-idx1-ubyte.gz" "$WORK/data/test/t10k-labels-idx1-ubyte.gz"
d="$WORK/data/train-100"
if [ ! -f "$d/train-images-idx3-ubyte.gz" ]; then
  $CLI dataset subset "$FULL/train-images-idx3-ubyte.gz" --per-class 100 --seed 1 --out "$d" --prefix train >/dev/null
  cp data/fashion-mnist-small/classes.txt "$d/"
fi
run=${1:-}
if [ -z "$run" ]; then
  run="$WORK/runs/labelshift-source-stage2-stage3-grid3-tta"
  [ -f "$run/model.json" ] || $CLI fit --data "$d" --size 112 --features stage2,stage3 --feature-grid 3 --tta \
    --out "$run" > "$run.log" 2>&1 \
    || { echo "fit failed: see $run.log"; exit 1; }
fi
dotnet bench/LabelShift/bin/Release/net10.0/LabelShiftBench.dll "$run" "$WORK/data/test" \
  bench/results/labelshift.jsonl "${SEEDS:-20}"
