#!/usr/bin/env bash
# Issue 19: the two constructed image + record tasks (bench/multimodal_data.py), every candidate's test accuracy side
# by side; task b also with modality dropout off, and on its test rows with nothing missing; both tasks again with the
# image branch tuned first by LP-FT (IMAGE_STRATEGY, IMAGE_EPOCHS override); both tasks with joint tuning of the image
# branch and the chosen fusion model (JOINT_EPOCHS), from the frozen backbone and after LP-FT.
# Usage: bench/multimodal.sh [PER_TYPE_TRAIN=200] [TEST_ROWS=2000]   (SIZE=112, SEED=0, CLI=... override)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=${CLI:-"dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"}
PER_TYPE=${1:-200}
TEST_ROWS=${2:-2000}
SIZE=${SIZE:-112}
SEED=${SEED:-0}
WORK=bench/work/multimodal
rm -rf "$WORK" && mkdir -p "$WORK"
/usr/bin/python3 bench/multimodal_data.py "$WORK/data" "$PER_TYPE" "$TEST_ROWS" "$SEED"
fuse() { # task out flags...
  local task=$1 out=$2
  shift 2
  local start=$SECONDS
  $CLI fuse --data "$WORK/data/$task/train.csv" --test "$WORK/data/$task/test.csv" --size "$SIZE" --seed "$SEED" \
    --out "$WORK/$out" --json "$@" >"$WORK/$out.json"
  echo "$out: $((SECONDS - start)) s"
}
fuse a a
fuse b b
fuse b b-nodrop --modality-dropout 0
IMAGE_STRATEGY=${IMAGE_STRATEGY:-lp-ft}
IMAGE_EPOCHS=${IMAGE_EPOCHS:-6}
fuse a a-tuned --image-strategy "$IMAGE_STRATEGY" --image-epochs "$IMAGE_EPOCHS"
fuse b b-tuned --image-strategy "$IMAGE_STRATEGY" --image-epochs "$IMAGE_EPOCHS"
JOINT_EPOCHS=${JOINT_EPOCHS:-5}
fuse a a-joint --joint-epochs "$JOINT_EPOCHS"
fuse b b-joint --joint-epochs "$JOINT_EPOCHS"
fuse a a-tuned-joint --image-strategy "$IMAGE_STRATEGY" --image-epochs "$IMAGE_EPOCHS" --joint-epochs "$JOINT_EPOCHS"
fuse b b-tuned-joint --image-strategy "$IMAGE_STRATEGY" --image-epochs "$IMAGE_EPOCHS" --joint-epochs "$JOINT_EPOCHS"
for run in b b-nodrop b-tuned b-joint b-tuned-joint; do
  $CLI evaluate "$WORK/$run" --data "$WORK/data/b/test_full.csv" --out "$WORK/$run-full.json" >/dev/null
done
/usr/bin/python3 bench/multimodal_table.py "$WORK"
