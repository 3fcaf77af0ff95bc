#!/usr/bin/env bash
# Full disk (issue 21): fits into small tmpfs mounts as --out. Each must end with a clear error (exit 2, no stack
# trace) and leave no half-written file taken for a good one: the run folder empty, or the previous run intact.
# Needs root (mount). Usage: sudo bench/full_disk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/full_disk.sh mounts tmpfs: run it as root"; exit 1; }
DATA=bench/work/golden/data
[ -d "$DATA/train-30" ] || { echo "run bench/golden.sh once first (it makes $DATA)"; exit 1; }
dotnet build -c Release src/TransferSharp.Cli -v q -nologo >/dev/null
CLI=(dotnet src/TransferSharp.Cli/bin/Release/net10.0/TransferSharp.Cli.dll)
export TRANSFERSHARP_CACHE="$(mktemp -d)"
MNT=$(mktemp -d)
trap 'umount "$MNT" 2>/dev/null || true; rm -rf "$MNT" "$TRANSFERSHARP_CACHE"' EXIT
case_() { # name size fit-args...
  local name=$1 size=$2; shift 2
  umount "$MNT" 2>/dev/null || true
  mount -t tmpfs -o "size=$size" tmpfs "$MNT"
  if [ "$name" = refit ]; then # a complete run first, then a re-fit that cannot fit beside it
    "${CLI[@]}" fit --data "$DATA/train-30" --size 64 --out "$MNT/run" >/dev/null 2>&1
    (cd "$MNT/run" && sha256sum -c --quiet checksums.sha256)
  fi
  local start rc=0 seconds files intact=n/a
  start=$(date +%s.%N)
  "${CLI[@]}" fit --data "$DATA/train-30" --size 64 --out "$MNT/run" "$@" >"$MNT.log" 2>"$MNT.err" || rc=$?
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  if [ "$name" = refit ]; then
    intact=$( (cd "$MNT/run" && sha256sum -c --quiet checksums.sha256 >/dev/null 2>&1) && echo yes || echo no)
    files=$(ls "$MNT/run" | wc -l)
  else
    files=$(find "$MNT/run" -type f 2>/dev/null | wc -l)
  fi
  local traces; traces=$(grep -c '   at ' "$MNT.err" || true)
  echo "$name ($size): exit $rc after ${seconds} s; files in the run folder: $files; previous run intact: $intact;" \
    "stack-trace lines: $traces"
  echo "  $(tail -1 "$MNT.err")"
  printf '{"bench":"full_disk","case":"%s","tmpfs":"%s","exit":%d,"seconds":%.1f,"run_files":%d,"intact":"%s"}\n' \
    "$name" "$size" "$rc" "$seconds" "$files" "$intact" >>bench/results/full_disk.jsonl
}
case_ fine-tune 150m --strategy fine-tune --epochs 2
case_ feature-extraction 200k
case_ refit 600k --overwrite --head-steps 100
