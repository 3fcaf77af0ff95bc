#!/usr/bin/env bash
# Time to accuracy against the PyTorch peer (issue 22): `fit --strategy lp-ft` on Fashion-MNIST 100 labels/class, then
# the same recipe on the same weights, data and split in PyTorch 1.13 (bench/torch_lpft.py: channels_last, tcmalloc
# preloaded, every core), then the time each takes to reach the same validation accuracies (bench/time_to_accuracy.py).
# Usage: bench/lpft_peer.sh   (env SIZE=112, EPOCHS=8, SEED=0, CLI=another build); results/time_to_accuracy_peer.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-112}; EPOCHS=${EPOCHS:-8}; SEED=${SEED:-0}
WORK=bench/work/presets
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
/usr/bin/python3 -c "import torch, torchvision, sklearn, PIL" 2>/dev/null && ls /usr/lib/*/libtcmalloc_minimal.so.4 \
  >/dev/null 2>&1 || ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-torch python3-torchvision \
  python3-sklearn python3-pil libtcmalloc-minimal4) >/dev/null
. bench/fmnist-100.sh
dotnet build -c Release bench/HeadFit -v q -nologo >/dev/null
weights=bench/work/peer-weights-$SIZE
[ -f "$weights/index.json" ] || dotnet bench/HeadFit/bin/Release/net10.0/HeadFit.dll weights "$SIZE" "$weights"
out=bench/work/runs/tta-lpft-peer-s$SIZE-seed$SEED
mkdir -p bench/work/runs
$CLI fit --data "$TRAIN" --test "$TEST" --strategy lp-ft --size "$SIZE" --epochs "$EPOCHS" --seed "$SEED" --no-cache \
  --out "$out" --overwrite > "$out.log" 2>&1
LD_PRELOAD=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 | head -1) /usr/bin/python3 bench/torch_lpft.py "$weights" \
  "$TRAIN" "$TEST" "$out" "$EPOCHS" > "$out.peer.json"
/usr/bin/python3 bench/time_to_accuracy.py "$out" "$out.peer.json" | tee -a bench/results/time_to_accuracy_peer.jsonl
