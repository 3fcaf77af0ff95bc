#!/usr/bin/env bash
# Time-to-accuracy (issue 7): `fit --strategy lp-ft` on Fashion-MNIST at 100 labels per class, against the same recipe
# run naively (`--naive`: no ONNX Runtime, no caching of frozen outputs, autograd through the frozen parameters (their
# gradients computed and discarded, as when frozen layers are merely left out of the optimizer); the probe stage as
# head-only epochs through the whole network, features recomputed every epoch). Time to reach a validation accuracy =
# probe stage + training epochs up to the first epoch at or above it (data loading and the test pass, the same in
# both, excluded).
# Usage: bench/time_to_accuracy.sh   (env SIZE=112, EPOCHS=8, SEED=0; needs bench/strategies.sh's data: run it once)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-112}; EPOCHS=${EPOCHS:-8}; SEED=${SEED:-0}
WORK=bench/work
[ -f "$WORK/data/train-100/train-images-idx3-ubyte.gz" ] || STRATEGIES=feature-extraction bench/strategies.sh 100
dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
for mode in optimized naive; do
  out="$WORK/runs/tta-$mode-s$SIZE-seed$SEED"
  extra=$([ $mode = naive ] && echo --naive || true)
  $CLI fit --data "$WORK/data/train-100" --test "$WORK/data/test" --strategy lp-ft --size "$SIZE" --epochs "$EPOCHS" \
    --seed "$SEED" --no-cache --out "$out" $extra > "$out.log" 2>&1
  summary="import json; d=json.load(open('$out/metrics.json'));"
  summary+=" print('test', d['test_accuracy'], 'val', d['val_accuracy'])"
  echo "$mode: $(python3 -c "$summary")"
done
python3 bench/time_to_accuracy.py "$WORK/runs/tta-optimized-s$SIZE-seed$SEED" "$WORK/runs/tta-naive-s$SIZE-seed$SEED" \
  | tee -a bench/results/time_to_accuracy.jsonl
