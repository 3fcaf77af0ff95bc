#!/usr/bin/env bash
# Decoding and the frozen pass (issues 20 and 22): PerfBench `decode` (PNG decode + resize, both cores) and `extract`
# (the feature-extraction pass end to end, PNG decode included) against a raw ONNX Runtime session with intra-op
# threads = cores, alternating, ROUNDS rounds at each of SIZES; BACKBONES adds imported ONNX files (their raw session
# with default options, as bench/backbones.sh runs it, and with threads = cores).
# Usage: bench/decode.sh
# Env: SIZES ("112 224"), ROUNDS (3), IMAGES (1024 Fashion-MNIST test images as PNG), BACKBONES (ONNX files, at 224),
#   BASE_PERF (another build's PerfBench command, e.g. of the previous commit in a git worktree: its `decode` and
#   `extract` run in the same rounds, labelled "base"), RESULTS (bench/results/decode.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/Perf -v q -nologo >/dev/null
PERF="dotnet bench/Perf/bin/Release/net10.0/PerfBench.dll"
SIZES=${SIZES:-"112 224"}
ROUNDS=${ROUNDS:-3}
IMAGES=${IMAGES:-1024}
BACKBONES=${BACKBONES:-}
BASE_PERF=${BASE_PERF:-}
RESULTS=${RESULTS:-bench/results/decode.jsonl}
CORES=$(nproc)
mkdir -p bench/work bench/results
PNGS=bench/work/decode-png-$IMAGES
[ -d "$PNGS/all" ] || $PERF pngs 28 "$PNGS" "$IMAGES" >/dev/null
run() { # run LABEL ROUND COMMAND...: one JSON line, labelled
  local label=$1 round=$2
  shift 2
  "$@" | /usr/bin/python3 -c 'import json, sys; d = json.loads(sys.stdin.readline())
d.update(build=sys.argv[1], round=int(sys.argv[2])); print(json.dumps(d))' "$label" "$round" | tee -a "$RESULTS"
}
for round in $(seq "$ROUNDS"); do
  for size in $SIZES; do
    run this "$round" $PERF decode "$size" "$PNGS"
    [ -z "$BASE_PERF" ] || run base "$round" $BASE_PERF decode "$size" "$PNGS"
    run this "$round" env ORT_THREADS="$CORES" $PERF ort "$size"
    run this "$round" $PERF extract "$size" "$PNGS" onnxruntime
    [ -z "$BASE_PERF" ] || run base "$round" $BASE_PERF extract "$size" "$PNGS" onnxruntime
  done
  for file in $BACKBONES; do
    run this "$round" env BACKBONE="$file" $PERF ort 224
    run this "$round" env BACKBONE="$file" ORT_THREADS="$CORES" $PERF ort 224
    run this "$round" env BACKBONE="$file" $PERF extract 224 "$PNGS" onnxruntime
    [ -z "$BASE_PERF" ] || run base "$round" env BACKBONE="$file" $BASE_PERF extract 224 "$PNGS" onnxruntime
  done
done
