#!/usr/bin/env bash
# Outputs-unchanged check for refactors: short --deterministic runs of every strategy and of the options that change
# the training path, the README main job and the advisor's advice on three suite tasks, into one folder per label.
# Usage: bench/golden.sh LABEL            (writes bench/work/golden/LABEL/<case>/metrics.json and advice-*.json)
#        python3 bench/golden_compare.py bench/work/golden/BEFORE bench/work/golden/AFTER
# Fashion-MNIST (Debian's dataset-fashion-mnist): 30 labelled images per class at 64 px, 2 epochs (2 head steps for
# feature extraction), tested on a
# 20-per-class subset of the test set; auto --pilot on 60 per class (60 validation images: pilots run).
set -euo pipefail
cd "$(dirname "$0")/.."
LABEL=${1:?usage: bench/golden.sh LABEL}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] \
  || ! /usr/bin/python3 -c "import numpy, PIL" 2>/dev/null; then
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist python3-numpy python3-pil) >/dev/null
fi
# CLI: another build to run (a checkout of the commit before a change); default: this checkout's, built here.
if [ -z "${CLI:-}" ]; then
  dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
  CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
fi
FULL=/usr/share/datasets/fashion-mnist
DATA=bench/work/golden/data
OUT=bench/work/golden/$LABEL
export TRANSFERSHARP_CACHE="$(mktemp -d)"
mkdir -p "$DATA" "$OUT"
# Before the typed API (issue 16) feature extraction took its head steps from --epochs and `dataset subset` its
# images from --images; both forms are accepted so that a checkout from before can be compared with one after.
if $CLI fit --help 2>/dev/null | grep -q -- --head-steps; then HEAD_STEPS=(--head-steps 2); IMAGES=()
else HEAD_STEPS=(--epochs 2); IMAGES=(--images); fi
subset() { # images per-class seed out prefix
  [ -f "$4/$5-images-idx3-ubyte.gz" ] && return
  $CLI dataset subset "${IMAGES[@]}" "$1" --per-class "$2" --seed "$3" --out "$4" --prefix "$5" >/dev/null
  cp data/fashion-mnist-small/classes.txt "$4/"
}
subset "$FULL/train-images-idx3-ubyte.gz" 30 1 "$DATA/train-30" train
subset "$FULL/train-images-idx3-ubyte.gz" 60 1 "$DATA/train-60" train
subset "$FULL/t10k-images-idx3-ubyte.gz" 20 2 "$DATA/test-20" t10k
[ -d "$DATA/high-pass-30" ] \
  || /usr/bin/python3 bench/suite_data.py high-pass "$DATA/train-30" "$DATA/high-pass-30" 1 >/dev/null
[ -d "$DATA/colourised-30" ] \
  || /usr/bin/python3 bench/suite_data.py colourised "$DATA/train-30" "$DATA/colourised-30" 1 >/dev/null
[ -d "$DATA/colourised-test" ] \
  || /usr/bin/python3 bench/suite_data.py colourised "$DATA/test-20" "$DATA/colourised-test" 2 >/dev/null

run() { # case args... (the test set is the training data's variant)
  local name=$1; shift
  [ -f "$OUT/$name/metrics.json" ] && return
  echo "== $name"
  rm -rf "$OUT/$name"
  local test="$DATA/test-20"
  [[ "$*" == *colourised* ]] && test="$DATA/colourised-test"
  $CLI fit --test "$test" --size 64 --seed 0 --deterministic --out "$OUT/$name" "$@" \
    > "$OUT/$name.log" 2>&1 || { echo "failed: $OUT/$name.log"; tail -5 "$OUT/$name.log"; }
}
run feature-extraction --data "$DATA/train-30" --strategy feature-extraction "${HEAD_STEPS[@]}"
for s in fine-tune gradual-unfreeze bn-only adabn l2-sp lp-ft scratch; do
  run "$s" --data "$DATA/train-30" --strategy "$s" --epochs 2
done
run fine-tune-tta-mixup-swa --epochs 2 --data "$DATA/train-30" --strategy fine-tune --tta --mixup 0.2 --average-last 2
run fine-tune-sgd-onecycle --epochs 2 --data "$DATA/train-30" --strategy fine-tune --optimizer sgd --lr 1e-2 \
  --schedule one-cycle --freeze-to 2 --no-flip --augment random-resized
run fine-tune-layer-decay --epochs 2 --data "$DATA/train-30" --strategy fine-tune --layer-decay 0.7 --patience 1 \
  --keep-last
run lp-ft-naive --epochs 2 --data "$DATA/train-30" --strategy lp-ft --naive
run bn-only-adabn --epochs 2 --data "$DATA/train-30" --strategy bn-only --adabn --bn-stats frozen
run features-grid "${HEAD_STEPS[@]}" --data "$DATA/train-30" --strategy feature-extraction --features stage2,stage3 \
  --feature-grid 3 --tta
run conv1x1-fe --epochs 2 --data "$DATA/colourised-30" --strategy feature-extraction --adapter conv1x1
run conv1x1-ft --epochs 2 --data "$DATA/colourised-30" --strategy fine-tune --adapter conv1x1
run weight-sum-fe --data "$DATA/colourised-30" --strategy feature-extraction --adapter weight-sum
run auto --epochs 2 --data "$DATA/high-pass-30" --strategy auto --analyze
run auto-pilot --epochs 2 --data "$DATA/train-60" --strategy auto --pilot --pilot-epochs 1
# The README main job (embedded data, input 112).
if [ ! -f "$OUT/readme/metrics.json" ]; then
  echo "== readme"
  $CLI fit --size 112 --out "$OUT/readme" > "$OUT/readme.log" 2>&1 || echo "failed: $OUT/readme.log"
fi
for task in high-pass-30 colourised-30 train-60; do
  [ -f "$OUT/advice-$task.json" ] || $CLI advise --data "$DATA/$task" --size 64 --json > "$OUT/advice-$task.json"
done
echo "done: $OUT"
