#!/usr/bin/env bash
# Sharded extraction (issue 22): throughput of N local workers against one, each worker pinned to its own C cores
# (taskset) and told so through DOTNET_PROCESSOR_COUNT (libtorch, ONNX Runtime and the decoders follow it), on
# Fashion-MNIST images.
# Usage: bench/shards.sh            env: IMAGES_PER_CLASS=200 (train subset), SIZE=112, CORES=$(nproc), CLI
# One JSON line per configuration in bench/results/shards.jsonl: workers, cores each, wall seconds (process start and
# model load included), images per second overall and per shard (decode included, from each shard's record).
set -euo pipefail
cd "$(dirname "$0")/.."
# CLI: another build's command (e.g. "dotnet PREVIOUS/TransferSharp.Cli.dll") to measure it instead of this one.
if [ -z "${CLI:-}" ]; then
  dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
  CLI="dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll"
fi
N=${IMAGES_PER_CLASS:-200}; SIZE=${SIZE:-112}; CORES=${CORES:-$(nproc)}
WORK=bench/work/shards; DATA=$WORK/data-$N
mkdir -p "$WORK" bench/results
if [ ! -f "$DATA/train-images-idx3-ubyte.gz" ]; then
  $CLI dataset subset /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz --per-class "$N" --seed 1 \
    --out "$DATA" --prefix train >/dev/null
  cp data/fashion-mnist-small/classes.txt "$DATA/"
fi
run() { # workers cores-each label
  local workers=$1 cores=$2 out="$WORK/out-$3"
  rm -rf "$out"
  local start; start=$(date +%s.%N)
  for ((i = 0; i < workers; i++)); do
    DOTNET_PROCESSOR_COUNT=$cores taskset -c "$((i * cores))-$((i * cores + cores - 1))" \
      $CLI extract --data "$DATA" --size "$SIZE" --shard "$i/$workers" --out "$out" --json \
      > "$out-$i.json" 2>/dev/null &
  done
  wait
  local end; end=$(date +%s.%N)
  /usr/bin/python3 - "$out" "$workers" "$cores" "$start" "$end" "$SIZE" >> bench/results/shards.jsonl <<'PY'
import glob, json, sys
out, workers, cores, start, end, size = sys.argv[1:7]
records = [json.load(open(f)) for f in sorted(glob.glob(out + "/shard-*.json"))]
images = sum(r["images"] for r in records)
wall = float(end) - float(start)
print(json.dumps({"workers": int(workers), "cores_each": int(cores), "size": int(size), "images": images,
  "wall_seconds": round(wall, 2), "images_per_second": round(images / wall, 1),
  "shard_images_per_second": [r["images_per_second"] for r in records], "engine": records[0]["engine"]}))
PY
  tail -n 1 bench/results/shards.jsonl
}
for round in 1 2; do
  run 1 1 "1x1-$round"
  run "$CORES" 1 "${CORES}x1-$round"
  run 1 "$CORES" "1x${CORES}-$round"
done
