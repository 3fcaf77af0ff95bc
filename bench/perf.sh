#!/usr/bin/env bash
# Performance benchmark (issue 7), side by side on one machine, one process per figure (each with its own peak RSS):
#   ort        (a) a raw ONNX Runtime session on the backbone's ONNX file, default options (and with ORT_THREADS=cores)
#   extract    (b) our feature-extraction pass, end to end from encoded PNG files (decode, resize, normalise, backbone)
#   train      (c) our fine-tuning training step, every group trainable, batch 32, AdamW (libtorch's default layout;
#              see bench/README.md "Channels-last")
#   torch      (d) PyTorch 1.13's training step on the same network (Debian's python3-torch; torchvision's ResNet with
#              our ResNet18's blocks, 2,2,2,3; channels_last, and contiguous)
#   decode     the data pipeline alone (decode + resize)
# Our side runs as the CLI does: under tcmalloc when installed (this script installs libtcmalloc-minimal4; see
# TransferSharp.Engine.NativeAllocator); the -glibc variants measure glibc's malloc (tuned by mallopt). The raw ONNX
# Runtime session runs under glibc, as a plain program would; PyTorch runs as shipped, and once more with tcmalloc
# preloaded (torch-channels-last-tcmalloc), so that the allocator's share of each ratio is visible.
# Usage: bench/perf.sh   (env SIZES="112 224", REPEAT=5, N=1024 images for extract/decode; STEPS, WARMUP per process)
# The machine's speed drifts by tens of percent from minute to minute: every repeat runs both sides of each ratio
# back to back, and the table reports the median of the paired ratios with their range.
# Results: JSON lines in bench/results/perf.jsonl (one "run" id per invocation); table: python3 bench/perf_table.py
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
if [ ! -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist) >/dev/null
fi
if ! ls /usr/lib/*/libtcmalloc_minimal.so.4 >/dev/null 2>&1; then
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq libtcmalloc-minimal4) >/dev/null
fi
TCMALLOC=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 | head -1)
# The peer, never a dependency of TransferSharp.
if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-torch python3-torchvision) >/dev/null
fi
dotnet build -c Release bench/Perf -v q -nologo >/dev/null
BENCH="dotnet bench/Perf/bin/Release/net10.0/PerfBench.dll"
SIZES=${SIZES:-"112 224"}
REPEAT=${REPEAT:-5}
N=${N:-1024}
PNGS=bench/work/perf/png-$N
RESULTS=bench/results/perf.jsonl
mkdir -p bench/results
[ -d "$PNGS" ] || $BENCH pngs 28 "$PNGS" "$N" >/dev/null
RUN=$(date -u +%Y%m%dT%H%M%SZ)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
record() { # variant, then the command
  local variant=$1; shift
  local line
  line=$("$@" | tail -1)
  python3 - "$line" "$variant" "$RUN" "$CPU" "$r" >> "$RESULTS" <<'PY'
import json, sys
d = json.loads(sys.argv[1]); d.update(variant=sys.argv[2], run=sys.argv[3], cpu=sys.argv[4],
                                      repeat=int(sys.argv[5])); print(json.dumps(d))
PY
  local summary='import json,sys; d=json.load(sys.stdin); print(d["size"], "images/s=%.1f" % d["images_per_second"],'
  summary+=' "peak_rss_mib=%.0f" % d["peak_rss_mib"])'
  echo "  $variant size=$(echo "$line" | python3 -c "$summary")"
}
for r in $(seq 1 "$REPEAT"); do
  for s in $SIZES; do
    echo "repeat $r, size $s"
    record decode $BENCH decode "$s" "$PNGS"
    TRANSFERSHARP_ALLOCATOR=glibc record ort-default $BENCH ort "$s"
    TRANSFERSHARP_ALLOCATOR=glibc ORT_THREADS=$(nproc) record ort-threads-cores $BENCH ort "$s"
    record extract $BENCH extract "$s" "$PNGS" auto
    TRANSFERSHARP_ALLOCATOR=glibc record extract-glibc $BENCH extract "$s" "$PNGS" auto
    record extract-torch $BENCH extract "$s" "$PNGS" torch
    record train $BENCH train "$s"
    TRANSFERSHARP_ALLOCATOR=glibc record train-glibc $BENCH train "$s"
    record torch-channels-last /usr/bin/python3 bench/Perf/torch_step.py "$s" channels_last
    LD_PRELOAD=$TCMALLOC record torch-channels-last-tcmalloc \
      /usr/bin/python3 bench/Perf/torch_step.py "$s" channels_last
    record torch-contiguous /usr/bin/python3 bench/Perf/torch_step.py "$s" contiguous
  done
done
python3 bench/perf_table.py "$RUN"
