#!/usr/bin/env bash
# Four fits at once on one fresh feature cache (issue 21): all must succeed with identical heads and accuracies, the
# cache must end whole (no temporary files), and a fifth fit must find every feature in it.
# Usage: bench/cache_concurrent.sh   (the README main job's data: the embedded Fashion-MNIST subset, 112 px)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
CLI=(dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll)
WORK=bench/work/cache-concurrent
rm -rf "$WORK" && mkdir -p "$WORK"
export TRANSFERSHARP_CACHE="$PWD/$WORK/cache"
pids=()
for i in 1 2 3 4; do
  "${CLI[@]}" fit --size 112 --seed 0 --out "$WORK/run-$i" >"$WORK/run-$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
"${CLI[@]}" fit --size 112 --seed 0 --out "$WORK/run-5" >"$WORK/run-5.log" 2>&1 || failed=$((failed + 1))
heads=$(for i in 1 2 3 4 5; do sha256sum "$WORK/run-$i/head.bin" | cut -c1-16; done | sort -u | wc -l)
accuracies=$(grep -ho 'test accuracy: [0-9.]*' "$WORK"/run-*.log | sort | uniq -c | tr -s ' ')
hit=$(grep -c "feature cache hit" "$WORK/run-5.log" || true)
temps=$(find "$WORK/cache" -name '*.tmp' | wc -l)
echo "failed: $failed; distinct heads: $heads; accuracies:$accuracies; fifth run cache hit: $hit; tmp files: $temps"
printf '{"bench":"cache_concurrent","date":"%s","cores":%d,"processes":4,"failed":%d,"distinct_heads":%d,' \
  "$(date -u +%FT%TZ)" "$(nproc)" "$failed" "$heads" >>bench/results/cache_concurrent.jsonl
printf '"fifth_run_hit":%s,"tmp_files":%d}\n' "$([ "$hit" -ge 1 ] && echo true || echo false)" "$temps" \
  >>bench/results/cache_concurrent.jsonl
[ "$failed" = 0 ] && [ "$heads" = 1 ] && [ "$hit" -ge 1 ] && [ "$temps" = 0 ]
